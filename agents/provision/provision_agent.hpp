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
  /// Throws RegistrationError if `ddl` and the actions of this class differ.
  ProvisionAgent(ddl::Ddl ddl, ProvisionSettings settings, ClaimBook::Clock clock = defaultClock());

  static ClaimBook::Clock defaultClock();

  const ProvisionContext& context() const { return context_; }

 private:
  // Static: the table is made before the base class exists, so it gets `self`.
  static ActionTable actions(ProvisionAgent* self);

  ProvisionContext context_;
};

}  // namespace drover::agents::provision
