#include "launchers/local/local_launcher.hpp"

#include <sys/file.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <thread>

#include "core/util/files.hpp"
#include "launchers/local/member_config.hpp"
#include "launchers/local/member_process.hpp"
#include "launchers/local/network.hpp"
#include "launchers/local/volumes.hpp"
#include "launchers/settings.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

bool isExecutable(const fs::path& path) {
  return fs::is_regular_file(path) && ::access(path.c_str(), X_OK) == 0;
}

// A program named without a '/' is looked up in PATH, then beside `near`.
fs::path resolveProgram(const fs::path& program, const std::string& key, const fs::path& near) {
  if (program.string().find('/') != std::string::npos) {
    if (isExecutable(program)) return fs::absolute(program);
    throw LaunchError("launcher." + key + ": " + program.string() + " is not an executable file");
  }
  std::vector<fs::path> dirs;
  std::istringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    if (!dir.empty()) dirs.push_back(dir);  // an empty entry would mean the working directory
  }
  if (!near.empty()) dirs.push_back(near);
  for (const auto& dir : dirs) {
    if (isExecutable(dir / program)) return dir / program;
  }
  throw LaunchError("launcher." + key + ": no " + program.string() + " in PATH");
}

// Serializes changes by launcher processes sharing one state dir (addresses, bridge).
class StateLock {
 public:
  explicit StateLock(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      throw LaunchError("launcher.state_dir: cannot lock " + (dir / ".lock").string() + ": " +
                        std::strerror(errno));
    }
  }
  ~StateLock() { ::close(fd_); }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

LocalSettings LocalSettings::fromJson(const Json& json) {
  SettingsReader reader(json, "launcher");
  LocalSettings s;
  reader.requiredText("type");
  s.stateDir = reader.text("state_dir", s.stateDir.string());
  s.bridge = reader.text("bridge", s.bridge);
  s.subnet = reader.text("subnet", s.subnet);
  s.droverd = resolveProgram(reader.text("droverd", s.droverd.string()), "droverd", {});
  s.member =
      resolveProgram(reader.text("member", s.member.string()), "member", s.droverd.parent_path());
  s.memberConfig = reader.requiredText("member_config");
  s.stopGrace = std::chrono::seconds(reader.number("stop_grace", 5, 0, 600));
  s.parallelStarts = static_cast<int>(reader.number("parallel_starts", 8, 1, 64));
  reader.finish();
  if (!isValidLinkName(s.bridge)) {
    throw LaunchError("launcher.bridge: '" + s.bridge +
                      "' is not a link name (1-15 of A-Z a-z 0-9 _ . -)");
  }
  if (s.stateDir.is_relative()) throw LaunchError("launcher.state_dir: must be an absolute path");
  if (!fs::is_regular_file(s.memberConfig)) {
    throw LaunchError("launcher.member_config: " + s.memberConfig.string() + " is not a file");
  }
  return s;
}

LocalLauncher::LocalLauncher(LocalSettings settings)
    : settings_(std::move(settings)), subnet_(Subnet::parse(settings_.subnet)) {}

fs::path LocalLauncher::memberDir(const std::string& deployment,
                                  const std::string& identity) const {
  return settings_.stateDir / deployment / identity;
}

std::vector<MemberState> LocalLauncher::allMembers() const {
  std::vector<MemberState> out;
  std::error_code ec;
  for (const auto& deployment : fs::directory_iterator(settings_.stateDir, ec)) {
    if (!deployment.is_directory()) continue;
    for (const auto& member : fs::directory_iterator(deployment.path(), ec)) {
      if (fs::exists(member.path() / "member.json"))
        out.push_back(MemberState::read(member.path() / "member.json"));
    }
  }
  return out;
}

std::vector<MemberState> LocalLauncher::members(const std::string& deployment) const {
  std::vector<MemberState> out;
  for (auto& state : allMembers()) {
    if (state.deployment == deployment) out.push_back(std::move(state));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.identity < b.identity; });
  return out;
}

std::vector<Instance> LocalLauncher::list(const std::string& deployment) {
  std::lock_guard guard(mutex_);
  std::vector<Instance> out;
  for (const auto& state : members(deployment)) out.push_back(state.instance());
  return out;
}

std::vector<Instance> LocalLauncher::launch(const std::string& deployment,
                                            const std::vector<MemberLaunch>& members) {
  if (!isValidMemberName(deployment))
    throw LaunchError("deployment '" + deployment + "' is not a valid name");
  for (const auto& member : members) {
    if (!isValidMemberName(member.identity))
      throw LaunchError("identity '" + member.identity + "' is not a valid name");
    checkVolumes(member);
  }
  std::lock_guard guard(mutex_);
  StateLock lock(settings_.stateDir);
  // Addresses and records one by one (each new member sees the ones before it), then
  // the slow part, each member's root, volumes, links and process, on up to
  // parallel_starts threads. A member that fails is undone; the others stay launched
  // and the error names every failure (the caller lists what runs).
  std::vector<MemberState> states;
  states.reserve(members.size());
  try {
    std::vector<MemberState> existing = allMembers();  // read once, not once per member
    for (const auto& member : members) {
      states.push_back(newMember(deployment, member, existing));
      existing.push_back(states.back());
      fs::create_directories(states.back().dir);
      states.back().write();
    }
    if (!members.empty()) ensureBridge(settings_.bridge, subnet_);
  } catch (const std::exception& e) {
    for (auto& state : states) undo(state);
    throw LaunchError(std::string("launch: ") + e.what());
  }
  std::vector<std::string> failures(members.size());
  std::atomic<std::size_t> next{0};
  auto startSome = [&] {
    for (std::size_t i; (i = next++) < members.size();) {
      std::string step;
      try {
        startMember(states[i], members[i], step);
      } catch (const std::exception& e) {
        failures[i] = "launch " + members[i].identity + ": " + step + ": " + e.what();
        if (std::string left = undo(states[i]); !left.empty()) failures[i] += " (" + left + ")";
      }
    }
  };
  std::vector<std::thread> threads;
  std::size_t count = std::min<std::size_t>(members.size(), settings_.parallelStarts);
  for (std::size_t t = 1; t < count; ++t) threads.emplace_back(startSome);
  startSome();
  for (auto& thread : threads) thread.join();
  std::vector<Instance> out;
  std::string failed;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (failures[i].empty()) {
      out.push_back(states[i].instance());
    } else {
      failed += (failed.empty() ? "" : "; ") + failures[i];
    }
  }
  if (!failed.empty()) throw LaunchError(failed);
  return out;
}

// Removes what was made for a member; "" or what could not be undone.
std::string LocalLauncher::undo(const MemberState& state) {
  try {
    destroy(state);
    return "";
  } catch (const std::exception& left) {
    return std::string("and undoing it failed: ") + left.what();
  }
}

// The member's record before anything is made: its names and the lowest free address.
MemberState LocalLauncher::newMember(const std::string& deployment, const MemberLaunch& member,
                                     const std::vector<MemberState>& existing) const {
  std::set<std::string> used;
  for (const auto& other : existing) {
    if (other.identity == member.identity) {
      throw LaunchError("launch " + member.identity + ": it is launched already (deployment " +
                        other.deployment + ")");
    }
    used.insert(other.address);
  }
  MemberState state;
  state.deployment = deployment;
  state.identity = member.identity;
  state.dir = memberDir(deployment, member.identity);
  MemberLinks links = MemberLinks::of(settings_.bridge, member.identity);
  state.netns = links.netns;
  state.hostVeth = links.hostVeth;
  auto address = subnet_.lowestFree(used);
  if (!address) {
    throw LaunchError("launch " + member.identity + ": no free address left in " +
                      settings_.subnet);
  }
  state.address = *address;
  return state;
}

namespace {

// A pool's `launcher:` settings for local members: `image`, a directory tree copied into
// the member's root first (a base image's files: Puppet's settings, its code), under
// what the launcher writes itself. Any other key is refused rather than ignored.
void copyImage(const Json& settings, const fs::path& root) {
  for (const auto& [key, value] : settings.items()) {
    if (key != "image")
      throw LaunchError("pool setting '" + key + "' is not one local takes (image)");
  }
  auto image = settings.find("image");
  if (image == settings.end()) return;
  if (!image->is_string() || !fs::path(image->get<std::string>()).is_absolute() ||
      !fs::is_directory(image->get<std::string>())) {
    throw LaunchError("image: " + image->dump() + " is not an absolute path of a directory");
  }
  fs::create_directories(root);
  fs::copy(image->get<std::string>(), root,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks |
               fs::copy_options::overwrite_existing);
}

}  // namespace

void LocalLauncher::startMember(MemberState& state, const MemberLaunch& member, std::string& step) {
  step = "copy image";
  copyImage(member.settings, state.root());
  step = "write member files";
  MemberConfig config = memberConfig(util::readFile(settings_.memberConfig), settings_.memberConfig,
                                     member, state.root());
  writeMemberRoot(config, member, state.root(), state.address);
  step = "make volumes";
  std::vector<std::string> volumeArgs = prepareVolumes(member.volumes, state);
  step = "make network";  // the bridge is made before, once
  addMemberNetwork(settings_.bridge, subnet_, MemberLinks::of(settings_.bridge, member.identity),
                   state.address);
  step = "start droverd";
  state.pid = startDetached(memberArgv(state, volumeArgs), state.dir / "droverd.log");
  auto started = processStartTime(state.pid);
  if (!started)
    throw LaunchError("droverd exited at once; see " + (state.dir / "droverd.log").string());
  state.startTime = *started;
  step = "write state";
  state.write();
}

std::vector<std::string> LocalLauncher::memberArgv(
    const MemberState& state, const std::vector<std::string>& volumeArgs) const {
  std::vector<std::string> argv{settings_.member.string(), "--netns",    state.netns,   "--root",
                                state.root().string(),     "--hostname", state.identity};
  argv.insert(argv.end(), volumeArgs.begin(), volumeArgs.end());
  argv.insert(argv.end(), {"--", settings_.droverd.string(), "--config",
                           memberConfigFile(state.root()).string()});
  return argv;
}

void LocalLauncher::terminate(const std::string& deployment, const std::vector<std::string>& ids) {
  std::lock_guard guard(mutex_);
  StateLock lock(settings_.stateDir);
  std::string problems;
  for (const auto& state : members(deployment)) {
    if (std::find(ids.begin(), ids.end(), state.identity) == ids.end()) continue;
    try {
      destroy(MemberState::read(state.file()));  // as it is now: an earlier one may have changed it
    } catch (const LaunchError& e) {
      problems += std::string(problems.empty() ? "" : "\n") + "terminate " + state.identity + ": " +
                  e.what();
    }
  }
  if (!problems.empty()) throw LaunchError(problems);
}

void LocalLauncher::destroy(const MemberState& state) {
  const fs::path netnsFile = fs::path("/run/netns") / state.netns;
  std::vector<pid_t> pids = processesInNamespace(netnsFile);
  if (isRunning(state) && std::find(pids.begin(), pids.end(), state.pid) == pids.end()) {
    pids.push_back(state.pid);
  }
  std::vector<pid_t> left = stopProcesses(pids, settings_.stopGrace);
  if (!left.empty()) throw LaunchError("processes still running in " + state.netns);
  removeMemberNetwork(MemberLinks::of(settings_.bridge, state.identity));
  std::vector<MemberState> others;
  for (auto& other : allMembers()) {
    if (other.identity != state.identity) others.push_back(std::move(other));
  }
  removeCreatedDirs(state, others);
  fs::remove_all(state.dir);
  std::error_code ec;
  fs::remove(state.dir.parent_path(), ec);  // the deployment's directory, once empty
  if (others.empty()) removeBridge(settings_.bridge);
}

}  // namespace drover::launchers
