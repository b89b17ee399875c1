#include "launchers/local/member_state.hpp"

#include <fstream>
#include <sstream>

#include "core/util/files.hpp"

namespace drover::launchers {

Json MemberState::toJson() const {
  return {{"deployment", deployment},
          {"identity", identity},
          {"netns", netns},
          {"host_veth", hostVeth},
          {"address", address},
          {"dir", dir.string()},
          {"pid", pid},
          {"start_time", startTime},
          {"created_dirs", createdDirs},
          {"mounts", mounts}};
}

MemberState MemberState::fromJson(const Json& json, const std::filesystem::path& file) {
  MemberState state;
  try {
    state.deployment = json.at("deployment").get<std::string>();
    state.identity = json.at("identity").get<std::string>();
    state.netns = json.at("netns").get<std::string>();
    state.hostVeth = json.at("host_veth").get<std::string>();
    state.address = json.at("address").get<std::string>();
    state.dir = json.at("dir").get<std::string>();
    state.pid = json.at("pid").get<pid_t>();
    state.startTime = json.at("start_time").get<std::uint64_t>();
    state.createdDirs = json.at("created_dirs").get<std::vector<std::string>>();
    state.mounts = json.at("mounts").get<std::vector<std::string>>();
  } catch (const Json::exception& e) {
    throw LaunchError(file.string() + ": not a member state file: " + e.what());
  }
  return state;
}

MemberState MemberState::read(const std::filesystem::path& file) {
  Json json = Json::parse(util::readFile(file), nullptr, false);
  if (json.is_discarded()) throw LaunchError(file.string() + ": not valid JSON");
  return fromJson(json, file);
}

void MemberState::write() const {
  util::writeFileAtomically(file(), toJson().dump(2) + "\n", 0600);
}

Instance MemberState::instance() const {
  bool running = isRunning(*this);
  return {identity,
          identity,
          running ? "running" : "stopped",
          {{"pid", running ? pid : 0},
           {"address", address},
           {"netns", netns},
           {"root", root().string()}}};
}

std::optional<std::uint64_t> processStartTime(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);  // one line
  // The command name (field 2) may hold spaces and ')': fields are counted after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  // A zombie has exited: only its parent has not collected it yet.
  if (!(fields >> field) || field == "Z" || field == "X") return std::nullopt;
  for (int index = 4; index <= 22 && fields >> field; ++index) {
    if (index == 22) return std::stoull(field);
  }
  return std::nullopt;
}

bool isRunning(const MemberState& state) {
  auto started = processStartTime(state.pid);
  return started && *started == state.startTime;
}

}  // namespace drover::launchers
