#include "agents/cluster/cluster_agent.hpp"

#include "agents/provision/context.hpp"

namespace drover::agents::cluster {
namespace {

Json summaryOf(const Json& record) {
  return {{"facts_version", record.value("facts_version", std::int64_t{0})},
          {"trust_version", record.value("trust_version", std::int64_t{0})},
          {"stages", record.value("stages", Json::object()).size()}};
}

std::filesystem::path rootOf(const ClusterSettings& settings) {
  return settings.root.empty() ? std::filesystem::path("/") : settings.root;
}

}  // namespace

ClusterAgent::ClusterAgent(ddl::Ddl ddl, ClusterSettings settings, NodeInfo* node)
    : Agent(std::move(ddl), actions(this)),
      settings_(std::move(settings)),
      node_(node),
      state_(stateDir() / "cluster.json", "cluster record"),
      blobs_(stateDir() / "blobs", static_cast<std::uint64_t>(settings_.config.maxBundleSize)),
      summary_(summaryOf(state_.read())) {}

// The handlers use `self` only when called, once it is fully built.
ActionTable ClusterAgent::actions(ClusterAgent* self) {
  auto bind = [self](Reply (ClusterAgent::*handler)(const Request&)) -> Handler {
    return [self, handler](const Request& request) { return (self->*handler)(request); };
  };
  return {
      {"ssh_keys", bind(&ClusterAgent::sshKeys)},
      {"set_trust", bind(&ClusterAgent::setTrust)},
      {"set_facts", bind(&ClusterAgent::setFacts)},
      {"put_chunk", bind(&ClusterAgent::putChunk)},
      {"run_stage", bind(&ClusterAgent::runStage)},
      {"stages", [self](const Request& request) { return self->stages(request); }},
      {"write_file", bind(&ClusterAgent::writeFile)},
  };
}

Json ClusterAgent::registrationData() const {
  std::lock_guard lock(summaryMutex_);
  return summary_;
}

std::filesystem::path ClusterAgent::underRoot(const std::filesystem::path& path) const {
  return provision::underRoot(rootOf(settings_), path);
}

std::filesystem::path ClusterAgent::stateDir() const {
  return underRoot(settings_.config.stateDir);
}

void ClusterAgent::remember(const std::function<void(Json&)>& change) {
  Json record = state_.update(change);
  {
    std::lock_guard lock(summaryMutex_);
    summary_ = summaryOf(record);
  }
  if (node_ != nullptr) node_->requestRegistration();
}

}  // namespace drover::agents::cluster
