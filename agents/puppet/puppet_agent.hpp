#pragma once
// puppet: the Puppet agent of a node: run it once in the foreground, report whether it
// is enabled and how its last run went, disable and enable it.
// Contract: ddl/puppet.json.
#include "agents/agent.hpp"
#include "agents/puppet/puppet_command.hpp"

namespace drover::agents::puppet {

class PuppetAgent : public Agent {
 public:
  /// Throws RegistrationError if `ddl` and the actions of this class differ.
  PuppetAgent(ddl::Ddl ddl, PuppetInvocation puppet);

 private:
  // Static: the table is made before the base class exists, so it gets `self`.
  static ActionTable actions(PuppetAgent* self);
  Reply runonce(const Request& request);
  Reply status();
  Reply lastRunSummary();
  Reply setEnabled(bool enable, const std::string& message, const Request& request);

  PuppetSettings settings_;
};

}  // namespace drover::agents::puppet
