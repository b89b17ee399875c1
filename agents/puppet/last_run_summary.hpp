#pragma once
// Puppet's last_run_summary.yaml (the `lastrunfile` setting): the counts and timings
// of the most recent run, which `puppet agent` rewrites at the end of every run that
// got as far as applying (or failing to get) a catalog.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/json.hpp"

namespace drover::agents::puppet {

struct LastRunSummary {
  std::int64_t lastRun = 0;  // Unix seconds (time.last_run)
  int changedResources = 0;
  int failedResources = 0;
  int outOfSyncResources = 0;
  int totalResources = 0;
  double totalTime = 0;  // seconds (time.total)
  double configRetrievalTime = 0;
  std::string configVersion;
  std::string puppetVersion;
  int failedEvents = 0;
  std::string initialEnvironment;    // application.initial_environment (Puppet >= 6)
  std::string convergedEnvironment;  // the environment the catalog really came from
};

/// Parses the YAML text. Missing sections leave their defaults: a run that failed
/// before its catalog writes a summary with only `version` and `time`.
/// Throws std::runtime_error when the text is not YAML or not a mapping.
LastRunSummary parseLastRunSummary(std::string_view yaml);

/// Reads and parses `file`; nullopt when it does not exist (the node never ran).
/// Throws std::runtime_error naming the file when it cannot be read or parsed.
std::optional<LastRunSummary> readLastRunSummary(const std::filesystem::path& file);

/// The DDL outputs of puppet#last_run_summary, with since_lastrun from `nowSeconds`.
Json toJson(const LastRunSummary& summary, std::int64_t nowSeconds);

}  // namespace drover::agents::puppet
