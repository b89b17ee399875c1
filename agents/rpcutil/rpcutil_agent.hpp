#pragma once
// rpcutil: the node's self-description (ping, inventory, facts, agents, collectives,
// daemon counters). Every action reads memory only, so it runs on the bus thread.
// Contract: ddl/rpcutil.json.
#include "agents/agent.hpp"

namespace drover::agents::rpcutil {

class RpcutilAgent : public Agent {
 public:
  /// Throws std::invalid_argument if `ddl` names an action this class lacks.
  RpcutilAgent(ddl::Ddl ddl, const NodeInfo& node);
  bool runsInline() const override { return true; }

 protected:
  Reply run(const Request& request) override;

 private:
  Reply getFact(const Request& request) const;
  Reply getFacts(const Request& request) const;
  Reply inventory() const;

  const NodeInfo& node_;
};

}  // namespace drover::agents::rpcutil
