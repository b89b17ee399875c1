#pragma once
// puppet: the Puppet agent of a node: run it once in the foreground, report whether it
// is enabled and how its last run went, disable and enable it.
// Contract: ddl/puppet.json.
#include "agents/agent.hpp"
#include "agents/puppet/puppet_command.hpp"

namespace drover::agents::puppet {

class PuppetAgent : public Agent {
 public:
  /// Throws std::invalid_argument if `ddl` names an action this class lacks.
  PuppetAgent(ddl::Ddl ddl, PuppetInvocation puppet);

 protected:
  Reply run(const Request& request) override;

 private:
  Reply runonce(const Request& request);
  Reply status();
  Reply lastRunSummary();
  Reply setEnabled(bool enable, const std::string& message, const Request& request);

  PuppetSettings settings_;
};

}  // namespace drover::agents::puppet
