#pragma once
// What one `puppet agent --test` run came to. --test implies --detailed-exitcodes:
// 0 no changes, 2 changes, 4 resource failures, 6 changes and failures, 1 the run
// failed as a whole (no certificate, compile error, master down, TLS trouble).
#include <optional>
#include <string_view>

namespace drover::agents::puppet {

enum class RunOutcome {
  NoChanges,
  Changes,
  Failures,
  ChangesAndFailures,
  Failed,
  TimedOut,             // killed at the action's deadline
  WrongEnvironment,     // the master switched the run to another environment than asked
  Disabled,             // the agent is administratively disabled; nothing ran
  CertificateMismatch,  // the node's certificate is not for its private key: no run
};

/// The outcome Puppet's exit code stands for; any code outside 0/2/4/6 is Failed.
RunOutcome outcomeForExitCode(int exitCode);

/// The DDL's name of an outcome ("no_changes", "changes_and_failures", ...).
std::string_view toString(RunOutcome outcome);

/// Parses a DDL name back; nullopt for an unknown one.
std::optional<RunOutcome> runOutcomeFromString(std::string_view name);

/// Only a run that applied its catalog without failures succeeded (0 and 2). Partial
/// failures (4, 6) count as failed: a node is not provisioned with failing resources.
bool succeeded(RunOutcome outcome);

}  // namespace drover::agents::puppet
