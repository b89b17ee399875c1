#include "agents/provision/provision_agent.hpp"

#include <map>
#include <optional>

#include "agents/provision/actions.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::provision {
namespace {

struct Action {
  ActionHandler handler;
  bool ssldir = false;  // reads or changes Puppet's ssldir
};

// The one list of actions.
const std::map<std::string, Action>& actions() {
  static const std::map<std::string, Action> kActions{
      {"set_puppet_server", {setPuppetServer}},
      {"request_certificate", {requestCertificate, true}},
      {"certificate_status", {certificateStatus, true}},
      {"run_puppet", {runPuppet, true}},
      {"status", {provisioningStatus}},
      {"claim", {claim}},
      {"release", {release}},
      {"enrol", {enrol}},
      {"install_certificate", {installCertificate}},
      {"set_node_data", {setNodeData}},
      {"apply", {apply, true}},
  };
  return kActions;
}

}  // namespace

ProvisionAgent::ProvisionAgent(ddl::Ddl ddl, ProvisionSettings settings, ClaimBook::Clock clock)
    : Agent(std::move(ddl)), context_(std::move(settings), std::move(clock)) {
  for (const auto& action : this->ddl().actions) {
    if (!actions().count(action.name)) {
      throw std::invalid_argument("DDL of provision lists action '" + action.name +
                                  "' that the built-in agent does not implement");
    }
  }
}

ClaimBook::Clock ProvisionAgent::defaultClock() {
  return [] { return util::nowMs(); };
}

// An ssldir action takes its turn on arrival, before anything that may block (the
// first `puppet config print` takes seconds), so none overtakes one that came earlier.
Reply ProvisionAgent::run(const Request& request) {
  auto it = actions().find(request.action);
  if (it == actions().end()) {
    throw ActionError(envelope::StatusCode::UnknownAction, "not implemented");
  }
  std::optional<TurnQueue::Turn> ssldir;
  if (it->second.ssldir) ssldir.emplace(context_.lockSsl(request));
  return it->second.handler(request, context_);
}

}  // namespace drover::agents::provision
