#include "agents/builtin.hpp"

#include <stdexcept>

#include "agents/cluster/cluster_agent.hpp"
#include "agents/naming/naming_agent.hpp"
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
puppet::PuppetInvocation puppetInvocation(const puppet::PuppetConfig& puppet,
                                          const std::filesystem::path& root) {
  puppet::PuppetInvocation invocation{puppet.command, {}};
  if (!puppet.confdir.empty()) {
    invocation.confdir = provision::underRoot(root, puppet.confdir);
  } else if (root != "/" && !root.empty()) {
    invocation.confdir = provision::underRoot(root, "/etc/puppet");
  }
  return invocation;
}

provision::ProvisionSettings provisionSettings(const BuiltinConfig& config, const NodeFiles& files,
                                               const NodeInfo& node) {
  provision::ProvisionSettings settings;
  settings.root = files.root.empty() ? std::filesystem::path("/") : files.root;
  settings.hostsFile = config.provision.hostsFile;
  settings.puppet = puppetInvocation(config.puppet, files.root);
  settings.identity = node.identity();
  settings.keyFile = files.keyFile;
  settings.certFile = files.certFile;
  settings.tokenFile = files.tokenFile;
  settings.enrolment = node.enrolmentHost();
  return settings;
}

// naming writes the names block into provision's hosts file: one setting, one file.
naming::NamingSettings namingSettings(const BuiltinConfig& config, const NodeFiles& files,
                                      const NodeInfo& node) {
  naming::NamingSettings settings;
  settings.root = files.root.empty() ? std::filesystem::path("/") : files.root;
  settings.hostsFile = config.provision.hostsFile;
  settings.identity = node.identity();
  settings.config = config.naming;
  return settings;
}

config::Table<BuiltinConfig> makeTable() {
  config::Table<BuiltinConfig> t;
  t.include(&BuiltinConfig::puppet, puppet::PuppetConfig::table());
  t.include(&BuiltinConfig::puppetca, puppetca::PuppetcaConfig::table());
  t.include(&BuiltinConfig::provision, provision::ProvisionConfig::table());
  t.include(&BuiltinConfig::naming, naming::NamingConfig::table());
  t.include(&BuiltinConfig::cluster, cluster::ClusterConfig::table());
  return t;
}

}  // namespace

const config::Table<BuiltinConfig>& BuiltinConfig::table() {
  static const config::Table<BuiltinConfig> kTable = makeTable();
  return kTable;
}

std::vector<std::unique_ptr<Agent>> makeBuiltinAgents(const ddl::Repository& ddls, NodeInfo& node,
                                                      const BuiltinConfig& config,
                                                      const NodeFiles& files) {
  std::vector<std::unique_ptr<Agent>> agents;
  agents.push_back(std::make_unique<rpcutil::RpcutilAgent>(requireDdl(ddls, "rpcutil"), node));
  agents.push_back(std::make_unique<puppet::PuppetAgent>(
      requireDdl(ddls, "puppet"), puppetInvocation(config.puppet, files.root)));
  agents.push_back(std::make_unique<provision::ProvisionAgent>(
      requireDdl(ddls, "provision"), provisionSettings(config, files, node)));
  agents.push_back(std::make_unique<naming::NamingAgent>(
      requireDdl(ddls, "naming"), namingSettings(config, files, node), node));
  agents.push_back(std::make_unique<cluster::ClusterAgent>(
      requireDdl(ddls, "cluster"), cluster::ClusterSettings{files.root, config.cluster}, &node));
  if (!config.puppetca.puppetConf.empty()) {
    agents.push_back(std::make_unique<puppetca::PuppetcaAgent>(
        requireDdl(ddls, "puppetca"),
        puppetca::PuppetCa(config.puppetca.command, config.puppetca.puppetConf)));
  }
  return agents;
}

}  // namespace drover::agents
