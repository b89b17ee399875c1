#include "agents/builtin.hpp"

#include <stdexcept>

#include "agents/rpcutil/rpcutil_agent.hpp"

namespace drover::agents {
namespace {

const ddl::Ddl& requireDdl(const ddl::Repository& ddls, const std::string& agent) {
  const ddl::Ddl* found = ddls.find(agent);
  if (found == nullptr) {
    throw std::runtime_error("no DDL for built-in agent '" + agent +
                             "' in the configured ddl_dirs (expected " + agent + ".json)");
  }
  return *found;
}

}  // namespace

std::vector<std::unique_ptr<Agent>> makeBuiltinAgents(const ddl::Repository& ddls,
                                                      const NodeInfo& node) {
  std::vector<std::unique_ptr<Agent>> agents;
  agents.push_back(std::make_unique<rpcutil::RpcutilAgent>(requireDdl(ddls, "rpcutil"), node));
  return agents;
}

}  // namespace drover::agents
