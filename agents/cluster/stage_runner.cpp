#include "agents/cluster/stage_runner.hpp"

#include <sys/stat.h>

#include <cctype>
#include <map>
#include <sstream>

#include "agents/cluster/file_ops.hpp"
#include "agents/cluster/inputs.hpp"
#include "core/util/subprocess.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

constexpr auto kTarTimeout = std::chrono::minutes(5);
constexpr std::size_t kMaxParamKey = 128;

util::SubprocessResult tar(std::vector<std::string> args, std::size_t maxOutput) {
  args.insert(args.begin(), "tar");
  util::SubprocessOptions opts;
  opts.environment = {kPath, "LC_ALL=C"};
  opts.maxOutputBytes = maxOutput;
  return util::runProcess(args, "", kTarTimeout, opts);
}

std::string lastLines(const std::string& text) {
  return text.size() > 1000 ? "..." + text.substr(text.size() - 1000) : text;
}

// Every member name (as stored: -P shows a leading '/' instead of stripping it).
std::vector<std::string> memberNames(const fs::path& bundle) {
  util::SubprocessResult listed = tar({"-t", "-P", "-f", bundle.string()}, 16 << 20);
  if (listed.exitCode != 0 || listed.timedOut) {
    badInput("bundle: tar cannot read it as a tar file: " + lastLines(listed.err));
  }
  if (listed.outputTruncated) badInput("bundle: its list of members is over 16 MiB");
  std::vector<std::string> names;
  std::istringstream in(listed.out);
  for (std::string line; std::getline(in, line);) names.push_back(line);
  if (names.size() > kMaxBundleMembers) {
    badInput("bundle: " + std::to_string(names.size()) + " members, at most " +
             std::to_string(kMaxBundleMembers));
  }
  return names;
}

std::string paramName(const std::string& key) {
  std::string name = "DROVER_PARAM_";
  for (char c : key) {
    bool alnum =
        std::isalnum(static_cast<unsigned char>(c)) != 0 && static_cast<unsigned char>(c) < 0x80;
    name += alnum ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  }
  return name;
}

std::string paramValue(const std::string& key, const Json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.find('\0') != std::string::npos) badInput("params." + key + ": holds a NUL byte");
  return text;
}

// The tail as valid UTF-8 (a cut may split a character; a script may print bytes):
// each bad sequence becomes U+FFFD, so the record and the reply stay valid JSON.
std::string validText(const std::string& bytes) {
  return Json::parse(Json(bytes).dump(-1, ' ', false, Json::error_handler_t::replace))
      .get<std::string>();
}

}  // namespace

std::string checkMemberName(std::string_view name) {
  if (name.starts_with("/")) return "an absolute name";
  std::size_t begin = 0;
  while (begin <= name.size()) {
    std::size_t end = std::min(name.find('/', begin), name.size());
    if (name.substr(begin, end - begin) == "..") return "a '..' component";
    begin = end + 1;
  }
  return "";
}

std::vector<std::string> stageEnvironment(const StageContext& context, const Json& params) {
  std::vector<std::string> env = {kPath,
                                  "HOME=" + context.home.string(),
                                  "DROVER_CLUSTER_FACTS=" + context.factsFile.string(),
                                  "DROVER_PARAMS=" + context.paramsFile.string(),
                                  "DROVER_STAGE=" + std::to_string(context.stage),
                                  "DROVER_DEPLOYMENT=" + context.deployment,
                                  "DROVER_NAME=" + context.name};
  std::map<std::string, std::string> taken;
  for (const auto& [key, value] : params.items()) {
    if (key.empty() || key.size() > kMaxParamKey) {
      badInput("params: key " + shown(key) + " must have 1 to 128 bytes");
    }
    std::string name = paramName(key);
    auto [it, fresh] = taken.emplace(name, key);
    if (!fresh) {
      badInput("params: keys " + shown(it->second) + " and " + shown(key) + " both become " + name);
    }
    env.push_back(name + "=" + paramValue(key, value));
  }
  return env;
}

void unpackBundle(const fs::path& bundle, const fs::path& dir) {
  for (const auto& name : memberNames(bundle)) {
    std::string why = checkMemberName(name);
    if (!why.empty()) badInput("bundle: member " + shown(name) + " has " + why);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) throw std::runtime_error("cannot empty " + dir.string() + ": " + ec.message());
  makeDirectory(dir, 0755);
  util::SubprocessResult run = tar(
      {"-x", "--no-same-owner", "--no-overwrite-dir", "-f", bundle.string(), "-C", dir.string()},
      1 << 16);
  if (run.exitCode != 0 || run.timedOut) {
    throw ActionError(StatusCode::Aborted, "bundle: tar could not unpack it into " + dir.string() +
                                               ": " + lastLines(run.err));
  }
}

StageOutcome runBootstrap(const fs::path& dir, const std::vector<std::string>& args,
                          const std::vector<std::string>& environment,
                          std::chrono::milliseconds timeout) {
  fs::path script = dir / "bootstrap.sh";
  struct stat st {};
  if (::lstat(script.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & S_IXUSR) == 0) {
    badInput("bundle: has no executable regular file bootstrap.sh at its top");
  }
  std::vector<std::string> argv{script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SubprocessOptions opts;
  opts.workingDir = dir;
  opts.environment = environment;
  opts.maxOutputBytes = kOutputTailBytes;
  opts.keepTail = true;
  opts.mergeStderr = true;
  opts.killGrace = std::chrono::seconds(2);
  util::SubprocessResult run = util::runProcess(argv, "", timeout, opts);
  StageOutcome outcome;
  outcome.exitCode = run.signal != 0 ? 128 + run.signal : run.exitCode;
  outcome.timedOut = run.timedOut;
  outcome.durationMs = run.elapsed.count();
  outcome.outputTail = run.out + run.err;  // err: why it could not start
  if (outcome.outputTail.size() > kOutputTailBytes) {
    outcome.outputTail.erase(0, outcome.outputTail.size() - kOutputTailBytes);
  }
  outcome.outputTail = validText(outcome.outputTail);
  return outcome;
}

}  // namespace drover::agents::cluster
