#include "agents/puppet/last_run_summary.hpp"

#include <stdexcept>
#include <string>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "core/util/files.hpp"

namespace drover::agents::puppet {
namespace {

template <typename T>
T scalar(const YAML::Node& parent, const char* section, const char* key, T fallback) {
  const YAML::Node sectionNode = parent[section];
  if (!sectionNode || !sectionNode.IsMap()) return fallback;
  const YAML::Node value = sectionNode[key];
  if (!value || !value.IsScalar()) return fallback;
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    return fallback;  // a value of another type (a version that is not a number, ...)
  }
}

}  // namespace

LastRunSummary parseLastRunSummary(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("not YAML: ") + e.what());
  }
  if (!root.IsMap()) throw std::runtime_error("not a YAML mapping");
  LastRunSummary s;
  s.lastRun = scalar<std::int64_t>(root, "time", "last_run", 0);
  s.totalTime = scalar<double>(root, "time", "total", 0);
  s.configRetrievalTime = scalar<double>(root, "time", "config_retrieval", 0);
  s.changedResources = scalar<int>(root, "resources", "changed", 0);
  s.failedResources = scalar<int>(root, "resources", "failed", 0);
  s.outOfSyncResources = scalar<int>(root, "resources", "out_of_sync", 0);
  s.totalResources = scalar<int>(root, "resources", "total", 0);
  s.failedEvents = scalar<int>(root, "events", "failure", 0);
  s.configVersion = scalar<std::string>(root, "version", "config", "");
  s.puppetVersion = scalar<std::string>(root, "version", "puppet", "");
  s.initialEnvironment = scalar<std::string>(root, "application", "initial_environment", "");
  s.convergedEnvironment = scalar<std::string>(root, "application", "converged_environment", "");
  return s;
}

std::optional<LastRunSummary> readLastRunSummary(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  try {
    return parseLastRunSummary(util::readFile(file));
  } catch (const std::exception& e) {
    throw std::runtime_error("Puppet's last run summary " + file.string() + ": " + e.what());
  }
}

Json toJson(const LastRunSummary& summary, std::int64_t nowSeconds) {
  return {{"lastrun", summary.lastRun},
          {"since_lastrun", summary.lastRun > 0 ? nowSeconds - summary.lastRun : -1},
          {"changed_resources", summary.changedResources},
          {"failed_resources", summary.failedResources},
          {"out_of_sync_resources", summary.outOfSyncResources},
          {"total_resources", summary.totalResources},
          {"total_time", summary.totalTime},
          {"config_retrieval_time", summary.configRetrievalTime},
          {"config_version", summary.configVersion},
          {"puppet_version", summary.puppetVersion},
          {"failed_events", summary.failedEvents}};
}

}  // namespace drover::agents::puppet
