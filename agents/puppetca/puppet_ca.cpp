#include "agents/puppetca/puppet_ca.hpp"

#include "agents/puppet/puppet_command.hpp"
#include "agents/puppetca/ca_files.hpp"

namespace drover::agents::puppetca {
namespace {

constexpr int kCleanedRequestOnly = 24;  // the CLI's code for "cleaned, nothing to revoke"
constexpr std::size_t kFailureMax = 400;

bool contains(const util::SubprocessResult& result, std::string_view text) {
  return result.out.find(text) != std::string::npos || result.err.find(text) != std::string::npos;
}

// The CLI spreads one error over several indented lines; operators want one line.
std::string oneLine(const std::string& text) {
  std::string joined;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !joined.empty();
      continue;
    }
    if (space) joined += ' ';
    space = false;
    joined += c;
  }
  return joined;
}

}  // namespace

CleanOutcome classifyClean(const util::SubprocessResult& result) {
  if (result.timedOut) return CleanOutcome::Failed;
  if (result.exitCode == 0) {
    return contains(result, "has been revoked") ? CleanOutcome::RevokedAndRemoved
                                                : CleanOutcome::RemovedRevoked;
  }
  if (result.exitCode == kCleanedRequestOnly && contains(result, "Cleaned files")) {
    return CleanOutcome::RemovedRequest;
  }
  if (result.exitCode == 1 && contains(result, "Could not find files to clean") &&
      !isUnreachable(result)) {
    return CleanOutcome::NothingToClean;
  }
  return CleanOutcome::Failed;
}

bool isUnreachable(const util::SubprocessResult& result) {
  return contains(result, "Failed connecting") || contains(result, "Connection refused") ||
         contains(result, "Failed to open TCP connection");
}

std::string failureText(const util::SubprocessResult& result) {
  if (result.timedOut) return "did not finish in time and was killed";
  if (result.exitCode == 127) return oneLine(result.err);
  std::string text = oneLine(result.err);
  if (text.empty()) text = oneLine(result.out);
  if (text.empty()) text = "no output";
  if (text.size() > kFailureMax) text = text.substr(0, kFailureMax - 3) + "...";
  return text;
}

PuppetCa::PuppetCa(std::string program, std::filesystem::path config)
    : program_(std::move(program)), config_(std::move(config)) {}

util::SubprocessResult PuppetCa::run(const std::string& action, std::vector<std::string> args,
                                     std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv{program_, "ca", action, "--config", config_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SubprocessOptions options;
  options.environment = puppet::puppetEnvironment();
  options.workingDir = "/";
  return util::runProcess(argv, "", timeout, options);
}

void PuppetCa::fail(const std::string& action, const util::SubprocessResult& result) const {
  std::string what = "`" + program_ + " ca " + action + " --config " + config_.string() + "` ";
  if (isUnreachable(result) || result.timedOut) {
    throw CaError(what + "cannot reach the CA (is puppetserver running?): " + failureText(result),
                  true);
  }
  throw CaError(what + "failed (exit " + std::to_string(result.exitCode) +
                "): " + failureText(result));
}

CaListing PuppetCa::listPending(std::chrono::milliseconds timeout) const {
  auto result = run("list", {"--format", "json"}, timeout);
  if (result.exitCode != 0) fail("list", result);
  try {
    return parseCaListing(result.out);
  } catch (const std::exception& e) {
    throw CaError("`" + program_ + " ca list` printed unexpected output: " + e.what());
  }
}

CaListing PuppetCa::listOne(const std::string& certname, std::chrono::milliseconds timeout) const {
  auto result = run("list", {"--certname", certname, "--format", "json"}, timeout);
  // rc 1 also for a name the CA does not know: then the JSON says "missing".
  if (result.timedOut || (result.exitCode != 0 && result.exitCode != 1) || isUnreachable(result)) {
    fail("list", result);
  }
  try {
    return parseCaListing(result.out);
  } catch (const std::exception&) {
    fail("list", result);
  }
}

std::string PuppetCa::sign(const std::string& certname, std::chrono::milliseconds timeout) const {
  auto result = run("sign", {"--certname", certname}, timeout);
  if (result.exitCode == 0) return "";
  if (result.timedOut || isUnreachable(result) || result.exitCode != 1) fail("sign", result);
  return failureText(result);
}

CleanOutcome PuppetCa::clean(const std::string& certname, std::chrono::milliseconds timeout) const {
  auto result = run("clean", {"--certname", certname}, timeout);
  CleanOutcome outcome = classifyClean(result);
  if (outcome == CleanOutcome::Failed) fail("clean", result);
  return outcome;
}

std::string PuppetCa::keyFingerprint(const CertEntry& entry) const {
  const std::string what = "cannot tell the key of the " +
                           std::string(entry.state == "requested" ? "request" : "certificate") +
                           " the CA holds for " + entry.name + ": ";
  std::filesystem::path cadir;
  std::optional<std::string> key;
  try {
    cadir = caDirectory(config_);
    key = storedKeyFingerprint(cadir, entry);
  } catch (const std::exception& e) {
    throw CaError(what + e.what());
  }
  if (!key) {
    throw CaError(what + "no file for it under " + cadir.string() +
                  " (the cadir of `puppetserver ca --config " + config_.string() +
                  "`; set cadir there if the CA is elsewhere)");
  }
  return *key;
}

}  // namespace drover::agents::puppetca
