#include "launchers/exec/exec_launcher.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "core/util/subprocess.hpp"
#include "launchers/settings.hpp"

namespace drover::launchers {
namespace {

constexpr std::size_t kStderrTail = 2048;

std::string stderrTail(const std::string& err) {
  if (err.empty()) return " (no stderr)";
  std::string tail = err.size() > kStderrTail ? "..." + err.substr(err.size() - kStderrTail) : err;
  return "; stderr: " + tail;
}

std::string failure(const util::SubprocessResult& result, std::chrono::seconds timeout) {
  if (result.timedOut) return "did not answer within " + std::to_string(timeout.count()) + " s";
  if (result.signal != 0) return "was killed by signal " + std::to_string(result.signal);
  if (result.exitCode != 0) return "exited with status " + std::to_string(result.exitCode);
  if (result.outputTruncated) return "wrote more output than max_output";
  return "";
}

std::vector<Instance> instancesOf(const Json& reply, const std::string& where) {
  if (!reply.contains("instances") || !reply.at("instances").is_array()) {
    throw LaunchError(where + ": no 'instances' list in its output");
  }
  const Json& list = reply.at("instances");
  std::vector<Instance> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.push_back(instanceFromJson(list.at(i), where + ": instances[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace

ExecSettings ExecSettings::fromJson(const Json& json) {
  SettingsReader reader(json, "launcher");
  ExecSettings settings;
  reader.requiredText("type");
  settings.command = reader.requiredList("command");
  settings.timeout = std::chrono::seconds(reader.number("timeout", 300, 1, 86400));
  settings.maxOutput = static_cast<std::size_t>(
      reader.number("max_output", std::int64_t{1} << 20, 1024, std::int64_t{1} << 30));
  settings.passEnvironment = reader.list("pass_environment");
  reader.finish();
  return settings;
}

std::vector<std::string> ExecLauncher::environment() const {
  std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
                               "LANG=C.UTF-8", "HOME=/root"};
  for (const auto& name : settings_.passEnvironment) {
    if (const char* value = std::getenv(name.c_str())) env.push_back(name + "=" + value);
  }
  return env;
}

Json ExecLauncher::call(const Json& request) const {
  const std::string where =
      "launcher " + settings_.command.front() + " (" + request.value("op", std::string()) + ")";
  util::SubprocessOptions options;
  options.environment = environment();
  options.maxOutputBytes = settings_.maxOutput;
  util::SubprocessResult result;
  try {
    result = util::runProcess(
        settings_.command, request.dump() + "\n",
        std::chrono::duration_cast<std::chrono::milliseconds>(settings_.timeout), options);
  } catch (const std::system_error& e) {
    throw LaunchError(where + ": cannot run it: " + e.what());
  }
  std::string why = failure(result, settings_.timeout);
  if (!why.empty()) throw LaunchError(where + ": " + why + stderrTail(result.err));
  Json reply = Json::parse(result.out, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    throw LaunchError(where + ": output is not one JSON object" + stderrTail(result.err));
  }
  return reply;
}

std::vector<Instance> ExecLauncher::launch(const std::string& deployment,
                                           const std::vector<MemberLaunch>& members) {
  Json wire = Json::array();
  for (const auto& member : members) wire.push_back(toJson(member));
  Json reply = call({{"op", "launch"}, {"deployment", deployment}, {"members", wire}});
  const std::string where = "launcher " + settings_.command.front() + " (launch)";
  std::vector<Instance> instances = instancesOf(reply, where);
  for (const auto& member : members) {
    bool found = std::any_of(instances.begin(), instances.end(),
                             [&](const Instance& i) { return i.identity == member.identity; });
    if (!found)
      throw LaunchError(where + ": no instance for " + member.identity + " in its output");
  }
  return instances;
}

void ExecLauncher::terminate(const std::string& deployment, const std::vector<std::string>& ids) {
  Json reply = call({{"op", "terminate"}, {"deployment", deployment}, {"ids", ids}});
  if (!reply.contains("terminated") || !reply.at("terminated").is_array()) {
    throw LaunchError("launcher " + settings_.command.front() +
                      " (terminate): no 'terminated' list in its output");
  }
}

std::vector<Instance> ExecLauncher::list(const std::string& deployment) {
  Json reply = call({{"op", "list"}, {"deployment", deployment}});
  return instancesOf(reply, "launcher " + settings_.command.front() + " (list)");
}

}  // namespace drover::launchers
