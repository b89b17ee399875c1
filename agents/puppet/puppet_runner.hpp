#pragma once
// One foreground `puppet agent --test` run and what it came to, shared by puppet#runonce
// and provision#run_puppet; one `puppet apply` run (provision#apply) judged the same
// way. The outcome comes from the exit code, corrected by what the run's own
// last_run_summary.yaml says: a misspelled environment silently falls
// back to production with exit code 0 or 2, so the converged environment is checked.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "agents/puppet/last_run_summary.hpp"
#include "agents/puppet/puppet_command.hpp"
#include "agents/puppet/run_outcome.hpp"

namespace drover::agents::puppet {

struct RunOptions {
  std::optional<std::string> environment;  // --environment; none: the agent's own
  bool noop = false;
  std::vector<std::string> extraArgs;  // e.g. --certname/--server/--serverport
};

/// One masterless `puppet apply` of an environment's own code on the node.
struct ApplyOptions {
  std::string environment;            // --environment (required)
  std::filesystem::path manifest;     // file or directory applied (absolute)
  std::filesystem::path hieraConfig;  // --hiera_config; empty: Puppet's own
  bool noop = false;
};

struct RunReport {
  RunOutcome outcome = RunOutcome::Failed;
  int exitCode = -1;
  std::string environment;                // the environment the catalog came from
  std::optional<LastRunSummary> summary;  // written by this run; none if it stopped early
  std::string summaryLine;                // what to tell the operator
};

/// The administrative state of the agent (puppet agent --disable/--enable).
struct AgentState {
  bool enabled = true;
  std::string disableMessage;
  bool applying = false;  // a live process holds the catalog run lock
};

/// Reads the disable and run lock files named by Puppet's settings.
/// Throws std::runtime_error when Puppet cannot report its settings.
AgentState readAgentState(PuppetSettings& settings);

/// Corrects an exit-code outcome with the run's summary: a run that succeeded in another
/// environment than `asked` is WrongEnvironment.
RunOutcome judgeRun(RunOutcome byExitCode, const std::optional<std::string>& asked,
                    const std::optional<LastRunSummary>& summary);

/// Runs Puppet once in the foreground, killed after `timeout`. A disabled agent is not
/// run (outcome Disabled). Throws std::runtime_error when Puppet cannot report its
/// settings or cannot be started.
RunReport runOnce(PuppetSettings& settings, const RunOptions& options,
                  std::chrono::milliseconds timeout);

/// The argv words after `puppet apply [--confdir C]`: --detailed-exitcodes (0/2/4/6 as
/// `agent --test`), --environment, --hiera_config, then the manifest.
std::vector<std::string> applyArgs(const ApplyOptions& options);

/// Runs `puppet apply` once in the foreground, killed after `timeout`, and judges it as
/// runOnce does (a disabled agent is not run either). Throws as runOnce.
RunReport applyOnce(PuppetSettings& settings, const ApplyOptions& options,
                    std::chrono::milliseconds timeout);

/// The DDL outputs of puppet#runonce (and provision#run_puppet).
Json toJson(const RunReport& report);

/// OK for a successful run; otherwise status Aborted naming the outcome, with the same
/// outputs, so a caller sees the counts of a partly failed run too.
Reply toReply(const RunReport& report);

}  // namespace drover::agents::puppet

namespace drover::agents::puppet {

/// Time until the request's deadline, less a margin for sending the reply; at least
/// one second, so a late request still gets a clear timeout rather than none.
std::chrono::milliseconds timeLeft(const Request& request);

}  // namespace drover::agents::puppet
