#include "agents/provision/provision_agent.hpp"

#include <map>

#include "agents/provision/actions.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::provision {
namespace {

// The one list of actions.
const std::map<std::string, ActionHandler>& handlers() {
  static const std::map<std::string, ActionHandler> kHandlers{
      {"set_puppet_server", setPuppetServer},
      {"request_certificate", requestCertificate},
      {"certificate_status", certificateStatus},
      {"run_puppet", runPuppet},
      {"status", provisioningStatus},
      {"claim", claim},
      {"release", release},
      {"enrol", enrol},
      {"install_certificate", installCertificate},
      {"set_node_data", setNodeData},
      {"apply", apply},
  };
  return kHandlers;
}

}  // namespace

ProvisionAgent::ProvisionAgent(ddl::Ddl ddl, ProvisionSettings settings, ClaimBook::Clock clock)
    : Agent(std::move(ddl)), context_(std::move(settings), std::move(clock)) {
  for (const auto& action : this->ddl().actions) {
    if (!handlers().count(action.name)) {
      throw std::invalid_argument("DDL of provision lists action '" + action.name +
                                  "' that the built-in agent does not implement");
    }
  }
}

ClaimBook::Clock ProvisionAgent::defaultClock() {
  return [] { return util::nowMs(); };
}

Reply ProvisionAgent::run(const Request& request) {
  auto it = handlers().find(request.action);
  if (it == handlers().end()) {
    throw ActionError(envelope::StatusCode::UnknownAction, "not implemented");
  }
  return it->second(request, context_);
}

}  // namespace drover::agents::provision
