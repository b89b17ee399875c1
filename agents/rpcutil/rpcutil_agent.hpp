#pragma once
// rpcutil: the node's self-description (ping, inventory, facts, agents, collectives,
// daemon counters). Every action reads memory only, so it runs on the bus thread.
// Contract: ddl/rpcutil.json.
#include "agents/agent.hpp"

namespace drover::agents::rpcutil {

class RpcutilAgent : public Agent {
 public:
  /// Throws RegistrationError if `ddl` and the actions of this class differ.
  RpcutilAgent(ddl::Ddl ddl, const NodeInfo& node);
  bool runsInline() const override { return true; }

 private:
  // Static: the table is made before the base class exists, so it gets `self`.
  static ActionTable actions(RpcutilAgent* self);
  Reply ping() const;
  Reply getFact(const Request& request) const;
  Reply getFacts(const Request& request) const;
  Reply inventory() const;
  Reply collectiveInfo() const;

  const NodeInfo& node_;
};

}  // namespace drover::agents::rpcutil
