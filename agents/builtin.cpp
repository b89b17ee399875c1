#include "agents/builtin.hpp"

#include <stdexcept>

#include "agents/provision/provision_agent.hpp"
#include "agents/puppet/puppet_agent.hpp"
#include "agents/puppetca/puppetca_agent.hpp"
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

// Puppet's confdir lies under the node root like every file the agents write; a node
// with its own root and no confdir gets <root>/etc/puppet, never the machine's.
puppet::PuppetInvocation puppetInvocation(const config::NodeConfig& config) {
  puppet::PuppetInvocation invocation{config.puppetCommand, {}};
  if (!config.puppetConfdir.empty()) {
    invocation.confdir = provision::underRoot(config.root, config.puppetConfdir);
  } else if (config.root != "/" && !config.root.empty()) {
    invocation.confdir = provision::underRoot(config.root, "/etc/puppet");
  }
  return invocation;
}

provision::ProvisionSettings provisionSettings(const config::NodeConfig& config,
                                               const NodeInfo& node) {
  provision::ProvisionSettings settings;
  settings.root = config.root.empty() ? std::filesystem::path("/") : config.root;
  settings.hostsFile = config.hostsFile;
  settings.puppet = puppetInvocation(config);
  settings.identity = node.identity();
  settings.keyFile = config.keyFile;
  settings.certFile = config.certFile;
  settings.tokenFile = config.provisioningTokenFile;
  settings.enrolment = node.enrolmentHost();
  return settings;
}

}  // namespace

std::vector<std::unique_ptr<Agent>> makeBuiltinAgents(const ddl::Repository& ddls,
                                                      const NodeInfo& node,
                                                      const config::NodeConfig& config) {
  std::vector<std::unique_ptr<Agent>> agents;
  agents.push_back(std::make_unique<rpcutil::RpcutilAgent>(requireDdl(ddls, "rpcutil"), node));
  agents.push_back(std::make_unique<puppet::PuppetAgent>(requireDdl(ddls, "puppet"),
                                                         puppetInvocation(config)));
  agents.push_back(std::make_unique<provision::ProvisionAgent>(requireDdl(ddls, "provision"),
                                                               provisionSettings(config, node)));
  if (!config.puppetserverConfig.empty()) {
    agents.push_back(std::make_unique<puppetca::PuppetcaAgent>(
        requireDdl(ddls, "puppetca"),
        puppetca::PuppetCa(config.puppetserverCommand, config.puppetserverConfig)));
  }
  return agents;
}

}  // namespace drover::agents
