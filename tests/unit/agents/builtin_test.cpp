// The one list of built-in agents (agents/builtin.cpp): the settings each agent declares
// for server.yaml, and what the node's settings give each agent.
#include "agents/builtin.hpp"

#include <gtest/gtest.h>

#include "agents/naming/naming_agent.hpp"
#include "agents/provision/provision_agent.hpp"
#include "core/ddl/repository.hpp"
#include "node/node_core.hpp"
#include "testing/process.hpp"

namespace drover::agents {
namespace {

class BuiltinAgents : public ::testing::Test {
 protected:
  BuiltinAgents() : ddls_({std::string(DROVER_SOURCE_DIR) + "/ddl"}) {
    node::NodeIdentity id;
    id.identity = "web1";
    core_ = std::make_unique<node::NodeCore>(id);
  }

  std::vector<std::string> names(const BuiltinConfig& config) {
    std::vector<std::string> out;
    for (const auto& agent : makeBuiltinAgents(ddls_, *core_, config)) out.push_back(agent->name());
    return out;
  }

  ddl::Repository ddls_;
  std::unique_ptr<node::NodeCore> core_;
};

TEST_F(BuiltinAgents, EachAgentDeclaresItsKeysOfServerYaml) {
  std::vector<std::string> keys;
  for (const auto* spec : BuiltinConfig::table().specs()) keys.push_back(spec->key);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "puppet.command", "puppet.confdir", "puppetserver.command",
                      "puppetserver.config", "hosts_file", "naming.service", "naming.type",
                      "naming.aliases", "naming.set_hostname", "naming.legacy_updater",
                      "cluster.state_dir", "cluster.max_bundle_size", "cluster.ssh_keygen"}));
}

TEST_F(BuiltinAgents, PuppetcaRunsOnlyWhereAPuppetConfIsNamed) {
  BuiltinConfig config;
  EXPECT_EQ(names(config),
            (std::vector<std::string>{"rpcutil", "puppet", "provision", "naming", "cluster"}));
  config.puppetca.puppetConf = "/etc/puppetlabs/puppet/puppet.conf";
  EXPECT_EQ(names(config), (std::vector<std::string>{"rpcutil", "puppet", "provision", "naming",
                                                     "cluster", "puppetca"}));
}

TEST_F(BuiltinAgents, ProvisionGetsItsSettingsAndTheNodesFiles) {
  testing::TempDir root;
  BuiltinConfig config;
  config.puppet.command = "/opt/puppet";
  config.provision.hostsFile = "/etc/hosts.local";
  NodeFiles files{root.path(), "/k.pem", "/c.pem", "/t.token"};
  auto agents = makeBuiltinAgents(ddls_, *core_, config, files);
  auto* provision = dynamic_cast<provision::ProvisionAgent*>(agents.at(2).get());
  ASSERT_NE(provision, nullptr);
  const auto& settings = provision->context().settings();
  EXPECT_EQ(settings.root, root.path());
  EXPECT_EQ(settings.hostsFile, "/etc/hosts.local");
  EXPECT_EQ(settings.puppet.program, "/opt/puppet");
  EXPECT_EQ(settings.puppet.confdir, root.path() / "etc/puppet");  // a private root's own
  EXPECT_EQ(settings.keyFile, "/k.pem");
  EXPECT_EQ(settings.certFile, "/c.pem");
  EXPECT_EQ(settings.tokenFile, "/t.token");
  EXPECT_EQ(settings.identity, "web1");
}

// naming writes its block into the very file provision keeps its entry in.
TEST_F(BuiltinAgents, NamingUsesProvisionsHostsFileUnderTheRoot) {
  testing::TempDir root;
  BuiltinConfig config;
  config.provision.hostsFile = "/etc/hosts.local";
  config.naming.service = "db";
  auto agents = makeBuiltinAgents(ddls_, *core_, config, {root.path(), "", "", ""});
  auto* naming = dynamic_cast<naming::NamingAgent*>(agents.at(3).get());
  ASSERT_NE(naming, nullptr);
  EXPECT_EQ(naming->hostsFile(), root.path() / "etc/hosts.local");
  EXPECT_EQ(naming->stateFile(), root.path() / "var/lib/drover/naming.json");
  EXPECT_EQ(naming->status()["service"], "db");
}

}  // namespace
}  // namespace drover::agents
