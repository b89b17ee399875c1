#pragma once
#include <memory>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "core/config/node_config.hpp"
#include "core/ddl/repository.hpp"

namespace drover::agents {

/// Makes every built-in agent whose DDL is in `ddls`: the one list of built-ins.
/// rpcutil, puppet and provision run on every node; puppetca only on a Puppet master
/// (config.puppetserverConfig set). Throws std::runtime_error naming the agent when its
/// DDL is missing or lists an action the class lacks (a node must not advertise what
/// it cannot do).
std::vector<std::unique_ptr<Agent>> makeBuiltinAgents(
    const ddl::Repository& ddls, const NodeInfo& node,
    const config::NodeConfig& config = config::NodeConfig{});

}  // namespace drover::agents
