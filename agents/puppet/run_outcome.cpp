#include "agents/puppet/run_outcome.hpp"

#include <array>
#include <utility>

namespace drover::agents::puppet {
namespace {

constexpr std::array<std::pair<RunOutcome, std::string_view>, 9> kNames{{
    {RunOutcome::NoChanges, "no_changes"},
    {RunOutcome::Changes, "changes"},
    {RunOutcome::Failures, "failures"},
    {RunOutcome::ChangesAndFailures, "changes_and_failures"},
    {RunOutcome::Failed, "failed"},
    {RunOutcome::TimedOut, "timed_out"},
    {RunOutcome::WrongEnvironment, "wrong_environment"},
    {RunOutcome::Disabled, "disabled"},
    {RunOutcome::CertificateMismatch, "certificate_mismatch"},
}};

}  // namespace

RunOutcome outcomeForExitCode(int exitCode) {
  switch (exitCode) {
    case 0: return RunOutcome::NoChanges;
    case 2: return RunOutcome::Changes;
    case 4: return RunOutcome::Failures;
    case 6: return RunOutcome::ChangesAndFailures;
    default: return RunOutcome::Failed;
  }
}

std::string_view toString(RunOutcome outcome) {
  for (const auto& [value, name] : kNames) {
    if (value == outcome) return name;
  }
  return "failed";
}

std::optional<RunOutcome> runOutcomeFromString(std::string_view name) {
  for (const auto& [value, text] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool succeeded(RunOutcome outcome) {
  return outcome == RunOutcome::NoChanges || outcome == RunOutcome::Changes;
}

}  // namespace drover::agents::puppet
