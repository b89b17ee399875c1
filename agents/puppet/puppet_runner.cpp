#include "agents/puppet/puppet_runner.hpp"

#include <csignal>
#include <cstdio>
#include <system_error>

#include <fmt/format.h>

#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::agents::puppet {
namespace {

namespace fs = std::filesystem;

std::int64_t nowSeconds() { return util::nowMs() / 1000; }

bool fileExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string disableMessageIn(const fs::path& lockfile) {
  try {
    Json doc = Json::parse(util::readFile(lockfile));
    if (doc.is_object() && doc.contains("disabled_message") &&
        doc["disabled_message"].is_string()) {
      return doc["disabled_message"].get<std::string>();
    }
  } catch (const std::exception&) {
    // An empty or foreign lock file still means disabled; the message is just unknown.
  }
  return "";
}

bool lockHeldByLiveProcess(const fs::path& lockfile) {
  if (!fileExists(lockfile)) return false;
  try {
    long pid = std::stol(util::readFile(lockfile));
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
  } catch (const std::exception&) {
    return true;  // unreadable or being written: assume a run is starting
  }
}

std::vector<std::string> runArgs(const RunOptions& options) {
  std::vector<std::string> args{"--test", "--color=false"};
  if (options.environment) args.insert(args.end(), {"--environment", *options.environment});
  if (options.noop) args.push_back("--noop");
  args.insert(args.end(), options.extraArgs.begin(), options.extraArgs.end());
  return args;
}

std::string describeSuccess(const RunReport& report) {
  if (!report.summary) return "puppet exited " + std::to_string(report.exitCode);
  const LastRunSummary& s = *report.summary;
  return fmt::format(
      "applied configuration version {} in environment {}: {} of {} resources "
      "changed, {} failed, in {:.2f} s",
      s.configVersion, report.environment, s.changedResources, s.totalResources, s.failedResources,
      s.totalTime);
}

}  // namespace

AgentState readAgentState(PuppetSettings& settings) {
  AgentState state;
  fs::path disabled = settings.path("agent_disabled_lockfile");
  if (fileExists(disabled)) {
    state.enabled = false;
    state.disableMessage = disableMessageIn(disabled);
  }
  state.applying = lockHeldByLiveProcess(settings.path("agent_catalog_run_lockfile"));
  return state;
}

RunOutcome judgeRun(RunOutcome byExitCode, const std::optional<std::string>& asked,
                    const std::optional<LastRunSummary>& summary) {
  if (!succeeded(byExitCode) || !asked || !summary) return byExitCode;
  const std::string& converged = summary->convergedEnvironment;
  if (!converged.empty() && converged != *asked) return RunOutcome::WrongEnvironment;
  return byExitCode;
}

namespace {

// Runs `puppet <words> <args>` once and judges it: the disabled check, the exit code,
// the run's own summary. Shared by `puppet agent --test` and `puppet apply`.
RunReport runJudged(PuppetSettings& settings, const std::vector<std::string>& words,
                    const std::vector<std::string>& args,
                    const std::optional<std::string>& environment,
                    std::chrono::milliseconds timeout) {
  RunReport report;
  AgentState state = readAgentState(settings);
  if (!state.enabled) {
    report.outcome = RunOutcome::Disabled;
    report.summaryLine = "the Puppet agent is disabled: " + state.disableMessage;
    return report;
  }
  fs::path summaryFile = settings.path("lastrunfile");
  std::int64_t started = nowSeconds();
  util::SubprocessResult result = runPuppet(settings.invocation(), words, args, timeout);
  report.exitCode = result.timedOut ? -1 : result.exitCode;
  auto summary = readLastRunSummary(summaryFile);
  if (summary && summary->lastRun >= started - 1) report.summary = summary;  // ours, not older
  if (report.summary) report.environment = report.summary->convergedEnvironment;
  if (report.environment.empty() && environment) report.environment = *environment;

  if (result.timedOut) {
    report.outcome = RunOutcome::TimedOut;
    report.summaryLine = fmt::format("puppet {} did not finish within {} s and was killed",
                                     words.empty() ? "" : words.front(), timeout.count() / 1000);
    return report;
  }
  report.outcome = judgeRun(outcomeForExitCode(result.exitCode), environment, report.summary);
  if (result.out.find("administratively disabled") != std::string::npos) {
    report.outcome = RunOutcome::Disabled;
  }
  // Puppet refuses to start with a certificate made for another key; the cure is a new
  // request (and a clean on the master), not another run.
  if (report.outcome == RunOutcome::Failed &&
      (result.out.find("does not match its private key") != std::string::npos ||
       result.err.find("does not match its private key") != std::string::npos)) {
    report.outcome = RunOutcome::CertificateMismatch;
  }
  if (report.outcome == RunOutcome::WrongEnvironment) {
    report.summaryLine = "asked for environment " + environment.value_or("") +
                         " but the run used " + report.environment + " (missing on the master?)";
  } else if (succeeded(report.outcome)) {
    report.summaryLine = describeSuccess(report);
  } else {
    report.summaryLine = tellingLine(result);
  }
  return report;
}

}  // namespace

RunReport runOnce(PuppetSettings& settings, const RunOptions& options,
                  std::chrono::milliseconds timeout) {
  return runJudged(settings, {"agent"}, runArgs(options), options.environment, timeout);
}

std::vector<std::string> applyArgs(const ApplyOptions& options) {
  std::vector<std::string> args{"--detailed-exitcodes", "--color=false", "--environment",
                                options.environment};
  if (!options.hieraConfig.empty())
    args.insert(args.end(), {"--hiera_config", options.hieraConfig.string()});
  if (options.noop) args.push_back("--noop");
  args.push_back(options.manifest.string());
  return args;
}

RunReport applyOnce(PuppetSettings& settings, const ApplyOptions& options,
                    std::chrono::milliseconds timeout) {
  return runJudged(settings, {"apply"}, applyArgs(options), options.environment, timeout);
}

Json toJson(const RunReport& report) {
  Json data{{"outcome", std::string(toString(report.outcome))},
            {"exitcode", report.exitCode},
            {"environment", report.environment},
            {"summary", report.summaryLine}};
  const LastRunSummary s = report.summary.value_or(LastRunSummary{});
  data["changed_resources"] = s.changedResources;
  data["failed_resources"] = s.failedResources;
  data["total_resources"] = s.totalResources;
  data["total_time"] = s.totalTime;
  return data;
}

Reply toReply(const RunReport& report) {
  Reply reply{{}, toJson(report)};
  if (!succeeded(report.outcome)) {
    reply.status = {
        envelope::StatusCode::Aborted,
        "puppet run " + std::string(toString(report.outcome)) + ": " + report.summaryLine};
  }
  return reply;
}

}  // namespace drover::agents::puppet

namespace drover::agents::puppet {

std::chrono::milliseconds timeLeft(const Request& request) {
  using namespace std::chrono_literals;
  constexpr auto kReplyMargin = 2s;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      request.deadline - std::chrono::steady_clock::now() - kReplyMargin);
  return std::max<std::chrono::milliseconds>(left, 1s);
}

}  // namespace drover::agents::puppet
