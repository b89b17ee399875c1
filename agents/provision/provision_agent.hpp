#pragma once
// provision: the node side of provisioning. Points the node at its Puppet master,
// gets it a certificate, runs Puppet, and keeps the node's own record of what was done
// and of which provisioner holds it. Every action is idempotent.
// Contract: ddl/provision.json.
#include "agents/agent.hpp"
#include "agents/provision/context.hpp"

namespace drover::agents::provision {

class ProvisionAgent : public Agent {
 public:
  /// Throws std::invalid_argument if `ddl` names an action this class lacks.
  ProvisionAgent(ddl::Ddl ddl, ProvisionSettings settings,
                 ClaimBook::Clock clock = defaultClock());

  static ClaimBook::Clock defaultClock();

  const ProvisionContext& context() const { return context_; }

 protected:
  Reply run(const Request& request) override;

 private:
  ProvisionContext context_;
};

}  // namespace drover::agents::provision
