#include "agents/provision/provision_agent.hpp"

#include <map>
#include <optional>

#include "agents/provision/actions.hpp"
#include "core/util/clock.hpp"

namespace drover::agents::provision {
namespace {

struct Entry {
  ActionHandler handler;
  bool ssldir = false;  // reads or changes Puppet's ssldir
};

// The one list of actions.
const std::map<std::string, Entry>& entries() {
  static const std::map<std::string, Entry> kEntries{
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
  return kEntries;
}

}  // namespace

ProvisionAgent::ProvisionAgent(ddl::Ddl ddl, ProvisionSettings settings, ClaimBook::Clock clock)
    : Agent(std::move(ddl), actions(this)), context_(std::move(settings), std::move(clock)) {}

ClaimBook::Clock ProvisionAgent::defaultClock() {
  return [] { return util::nowMs(); };
}

// An ssldir action takes its turn on arrival, before anything that may block (the
// first `puppet config print` takes seconds), so none overtakes one that came earlier.
// The handlers use `self` only when called, once it is fully built.
ActionTable ProvisionAgent::actions(ProvisionAgent* self) {
  ActionTable table;
  for (const auto& named : entries()) {
    // A copy, not the structured binding: a lambda may not capture a binding (C++17).
    auto entry = named.second;
    table.emplace(named.first, [self, entry](const Request& request) {
      std::optional<TurnQueue::Turn> ssldir;
      if (entry.ssldir) ssldir.emplace(self->context_.lockSsl(request));
      return entry.handler(request, self->context_);
    });
  }
  return table;
}

}  // namespace drover::agents::provision
