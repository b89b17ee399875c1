#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "agents/cluster/cluster_config.hpp"
#include "agents/naming/naming_config.hpp"
#include "agents/provision/provision_config.hpp"
#include "agents/puppet/puppet_config.hpp"
#include "agents/puppetca/puppetca_config.hpp"
#include "core/config/option_table.hpp"
#include "core/ddl/repository.hpp"

namespace drover::agents {

/// The built-in agents' settings in server.yaml. Each agent declares its own beside its
/// code; table() lists them, and the node's table includes it, so droverd reads,
/// checks and documents them with its own keys.
struct BuiltinConfig {
  puppet::PuppetConfig puppet;           // puppet.*
  puppetca::PuppetcaConfig puppetca;     // puppetserver.*
  provision::ProvisionConfig provision;  // hosts_file
  naming::NamingConfig naming;           // naming.*
  cluster::ClusterConfig cluster;        // cluster.*

  static const config::Table<BuiltinConfig>& table();
};

/// What the node keeps of its own that built-in agents work on (server.yaml's root and
/// security.* files): provision writes under root and enrols with the node's key.
struct NodeFiles {
  std::filesystem::path root = "/";
  std::filesystem::path keyFile;    // security.key_file
  std::filesystem::path certFile;   // security.cert_file
  std::filesystem::path tokenFile;  // security.provisioning_token_file
};

/// Makes every built-in agent whose DDL is in `ddls`: the one list of built-ins.
/// rpcutil, puppet, provision, naming and cluster run on every node (an enrolling node serves
/// only provision: node_security.hpp); puppetca only on a Puppet master
/// (puppetserver.config set). Throws std::runtime_error naming the agent when its
/// DDL is missing, and RegistrationError naming agent and action when the DDL and the
/// agent's action table differ (a node must not advertise what it cannot do, nor run
/// what its DDL does not describe).
std::vector<std::unique_ptr<Agent>> makeBuiltinAgents(const ddl::Repository& ddls, NodeInfo& node,
                                                      const BuiltinConfig& config = {},
                                                      const NodeFiles& files = {});

}  // namespace drover::agents
