// server.yaml: defaults, cross-key rules, endpoint checks, the built-in agents'
// settings it holds, and the shipped example.
#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "node/node_config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::node {
namespace {

using config::testing::errorOf;
using config::testing::loadWith;
using config::testing::ScratchDir;

TEST(NodeConfig, Defaults) {
  NodeConfig c = NodeConfig::load("");
  EXPECT_EQ(c.identity, config::hostName());
  EXPECT_EQ(c.mainCollective, "drover");
  EXPECT_EQ(c.collectives, std::vector<std::string>{"drover"});
  EXPECT_EQ(c.bus.brokerPublish, "tcp://127.0.0.1:7301");
  EXPECT_EQ(c.bus.brokerSubscribe, "tcp://127.0.0.1:7302");
  EXPECT_EQ(c.factsFile, "");
  EXPECT_EQ(c.classesFile, "");
  EXPECT_TRUE(c.agentsDir.empty());
  ASSERT_EQ(c.ddlDirs.size(), 2u);
  EXPECT_EQ(c.ddlDirs, config::defaultDdlDirs());
  EXPECT_TRUE(c.ddlDirs[0].ends_with("share/drover/ddl")) << c.ddlDirs[0];
  EXPECT_EQ(c.ddlDirs[1], std::string(DROVER_SOURCE_DIR) + "/ddl");
  EXPECT_EQ(c.root, "/");
  EXPECT_EQ(c.workers, 16);
  EXPECT_EQ(c.queueLimit, 256);
  EXPECT_EQ(c.registrationInterval, std::chrono::seconds(300));
  EXPECT_EQ(c.maxTtl, std::chrono::seconds(3600));
  EXPECT_EQ(c.logLevel, "info");
  EXPECT_EQ(c.logFile, "");
  EXPECT_EQ(c.pidFile, "");
}

TEST(NodeConfig, ReadsTheFileAndFlagsWin) {
  ScratchDir dir;
  auto c = loadWith<NodeConfig>(
      dir, "server.yaml",
      "identity: node1\nworkers: 8\nbroker:\n  publish: ipc:///run/in\nregistration_interval: 0\n"
      "agents_dir: [/opt/agents]\nroot: /srv/node1\n",
      {"--workers", "16", "--broker-subscribe", "tcp://10.0.0.1:7302"});
  EXPECT_EQ(c.identity, "node1");
  EXPECT_EQ(c.workers, 16);
  EXPECT_EQ(c.bus.brokerPublish, "ipc:///run/in");
  EXPECT_EQ(c.bus.brokerSubscribe, "tcp://10.0.0.1:7302");
  EXPECT_EQ(c.registrationInterval, std::chrono::seconds(0));
  EXPECT_EQ(c.agentsDir, std::vector<std::string>{"/opt/agents"});
  EXPECT_EQ(c.root, "/srv/node1");
}

// The naming gives a booted machine a new host name; its identity, the name in its
// certificate, must stay what it was at its first start.
TEST(NodeConfig, AnIdentityTakenFromTheHostNameIsKeptAcrossHostNameChanges) {
  ScratchDir dir;
  const std::string kept = (dir.path() / "state/identity").string();
  auto c = loadWith<NodeConfig>(dir, "server.yaml", "identity_file: " + kept + "\n", {});
  EXPECT_FALSE(c.identityGiven);
  EXPECT_EQ(c.stableIdentity(), config::hostName());
  EXPECT_EQ(util::readFile(kept), config::hostName() + "\n");
  // Later starts: whatever the host name is now, the kept identity.
  util::writeFileAtomically(kept, "node-a\n");
  EXPECT_EQ(c.stableIdentity(), "node-a");
  // One given in the file or by a flag wins and nothing is read.
  c = loadWith<NodeConfig>(dir, "server.yaml", "identity_file: " + kept + "\n",
                           {"--identity", "explicit"});
  EXPECT_TRUE(c.identityGiven);
  EXPECT_EQ(c.stableIdentity(), "explicit");
  // Empty identity_file: always the host name.
  c = loadWith<NodeConfig>(dir, "server.yaml", "identity_file: ''\n", {});
  EXPECT_EQ(c.stableIdentity(), config::hostName());
}

TEST(NodeConfig, AKeptIdentityThatIsNoIdentityStopsTheStartNamingTheFile) {
  ScratchDir dir;
  const std::string kept = (dir.path() / "identity").string();
  util::writeFileAtomically(kept, "two words\n");
  auto c = loadWith<NodeConfig>(dir, "server.yaml", "identity_file: " + kept + "\n", {});
  try {
    c.stableIdentity();
    FAIL() << "accepted 'two words'";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "identity_file " + kept +
                  " holds 'two words', not a name without spaces, '*', '>' or empty dot-separated "
                  "parts (delete it to take "
                  "the host name again)");
  }
}

TEST(NodeConfig, CollectivesFollowMainCollectiveUnlessSet) {
  ScratchDir dir;
  auto c = loadWith<NodeConfig>(dir, "server.yaml", "main_collective: prod\n", {});
  EXPECT_EQ(c.collectives, std::vector<std::string>{"prod"});
  c = loadWith<NodeConfig>(dir, "server.yaml", "main_collective: prod\ncollectives: [prod, eu]\n",
                           {});
  EXPECT_EQ(c.collectives, (std::vector<std::string>{"prod", "eu"}));
}

TEST(NodeConfig, MainCollectiveMustBeJoined) {
  ScratchDir dir;
  const std::string file = (dir.path() / "server.yaml").string();
  EXPECT_EQ(errorOf([&] {
              loadWith<NodeConfig>(dir, "server.yaml", "workers: 2\ncollectives: [eu, us]\n", {});
            }),
            file + ":2:1: key 'collectives': must include main_collective 'drover'");
  EXPECT_EQ(errorOf([&] {
              loadWith<NodeConfig>(dir, "server.yaml", "", {"--collectives", "eu"});
            }),
            "--collectives: must include main_collective 'drover'");
  EXPECT_EQ(
      errorOf([&] { loadWith<NodeConfig>(dir, "server.yaml", "collectives: [eu.west]\n", {}); }),
      file +
          ":1:15: key 'collectives': expected a collective name of letters, digits, '_' "
          "and '-', got 'eu.west'");
}

TEST(NodeConfig, DocumentedErrorMessages) {
  ScratchDir dir;
  const std::string file = (dir.path() / "server.yaml").string();
  auto error = [&](const std::string& yaml) {
    return errorOf([&] { loadWith<NodeConfig>(dir, "server.yaml", yaml, {}); });
  };
  EXPECT_EQ(error("log_level: info\nworkrs: 4\n"),
            file + ":2:1: unknown key 'workrs' (did you mean 'workers'?)");
  EXPECT_EQ(error("broker:\n  publish: tcp://h:1\n  subscrbe: tcp://h:2\n"),
            file + ":3:3: unknown key 'broker.subscrbe' (did you mean 'broker.subscribe'?)");
  EXPECT_EQ(error("workers: many\n"),
            file + ":1:10: key 'workers': expected an integer between 1 and 256, got 'many'");
  EXPECT_EQ(error("queue_limit: 0\n"),
            file + ":1:14: key 'queue_limit': expected an integer between 1 and 100000, got '0'");
  EXPECT_EQ(error("registration_interval: -1\n"),
            file +
                ":1:24: key 'registration_interval': expected a whole number of seconds "
                "between 0 and 86400, got '-1'");
  EXPECT_EQ(error("log_level: verbose\n"),
            file +
                ":1:12: key 'log_level': expected one of trace, debug, info, warn, error, "
                "critical, off, got 'verbose'");
  EXPECT_EQ(error("identity: ''\n"),
            file +
                ":1:11: key 'identity': expected a name without spaces, '*', '>' or empty "
                "dot-separated parts, got nothing");
}

TEST(NodeConfig, EndpointsAreValidatedByKey) {
  ScratchDir dir;
  const std::string file = (dir.path() / "server.yaml").string();
  EXPECT_EQ(errorOf([&] {
              loadWith<NodeConfig>(dir, "server.yaml", "broker:\n  publish: 127.0.0.1:7301\n", {});
            }),
            file +
                ":2:12: key 'broker.publish': expected an endpoint such as tcp://HOST:PORT, "
                "ipc://PATH or inproc://NAME, got '127.0.0.1:7301'");
  EXPECT_EQ(errorOf([&] {
              loadWith<NodeConfig>(dir, "server.yaml", "", {"--broker-subscribe", "tcp://x"});
            }),
            "--broker-subscribe: expected an endpoint such as tcp://HOST:PORT, ipc://PATH or "
            "inproc://NAME, got 'tcp://x'");
}

TEST(NodeConfig, BuiltinAgentsSettingsKeepTheirKeys) {
  ScratchDir dir;
  const std::string file = (dir.path() / "server.yaml").string();
  NodeConfig defaults = NodeConfig::load("");
  EXPECT_EQ(defaults.builtinAgents.puppet.command, "puppet");
  EXPECT_EQ(defaults.builtinAgents.puppetca.command, "puppetserver");
  EXPECT_EQ(defaults.builtinAgents.provision.hostsFile, "/etc/hosts");
  auto c = loadWith<NodeConfig>(
      dir, "server.yaml",
      "puppet:\n  command: /opt/puppet\n  confdir: /etc/pp\npuppetserver.config: /etc/p.conf\n"
      "hosts_file: /etc/hosts.d\n",
      {"--puppetserver-command", "/opt/ps"});
  EXPECT_EQ(c.builtinAgents.puppet.command, "/opt/puppet");
  EXPECT_EQ(c.builtinAgents.puppet.confdir, "/etc/pp");
  EXPECT_EQ(c.builtinAgents.puppetca.command, "/opt/ps");
  EXPECT_EQ(c.builtinAgents.puppetca.puppetConf, "/etc/p.conf");
  EXPECT_EQ(c.builtinAgents.provision.hostsFile, "/etc/hosts.d");
  EXPECT_EQ(
      errorOf([&] { loadWith<NodeConfig>(dir, "server.yaml", "puppet:\n  comand: x\n", {}); }),
      file + ":2:3: unknown key 'puppet.comand' (did you mean 'puppet.command'?)");
}

TEST(NodeConfig, NamingDeclarationIsRead) {
  ScratchDir dir;
  NodeConfig defaults = NodeConfig::load("");
  EXPECT_EQ(defaults.builtinAgents.naming.service, "");
  EXPECT_EQ(defaults.builtinAgents.naming.type, "iterative");
  EXPECT_TRUE(defaults.builtinAgents.naming.setHostname);
  EXPECT_TRUE(defaults.builtinAgents.naming.legacyUpdater.empty());
  auto c = loadWith<NodeConfig>(dir, "server.yaml",
                                "naming:\n  service: db\n  type: masterful\n"
                                "  aliases: [mongo, mongo.example.internal]\n"
                                "  set_hostname: false\n"
                                "  legacy_updater: [/usr/local/bin/hosts-legacy, --plain]\n",
                                {});
  const auto& naming = c.builtinAgents.naming;
  EXPECT_EQ(naming.service, "db");
  EXPECT_EQ(naming.type, "masterful");
  EXPECT_EQ(naming.aliases, (std::vector<std::string>{"mongo", "mongo.example.internal"}));
  EXPECT_FALSE(naming.setHostname);
  EXPECT_EQ(naming.legacyUpdater,
            (std::vector<std::string>{"/usr/local/bin/hosts-legacy", "--plain"}));
}

// Every bad naming key names file:line:column and the key, as every other key does.
TEST(NodeConfig, BadNamingKeysAreNamedWithTheirPlace) {
  ScratchDir dir;
  const std::string file = (dir.path() / "server.yaml").string();
  auto error = [&](const std::string& yaml) {
    return errorOf([&] { loadWith<NodeConfig>(dir, "server.yaml", yaml, {}); });
  };
  EXPECT_EQ(error("naming:\n  service: DB\n"),
            file +
                ":2:12: key 'naming.service': expected a service name: 1 to 40 lower-case "
                "letters, digits and '-', starting with a letter, not ending with '-', without "
                "'--'; or empty, got 'DB'");
  EXPECT_NE(error("naming:\n  service: web--api\n").find(":2:12: key 'naming.service'"),
            std::string::npos);
  EXPECT_EQ(error("naming:\n  type: primary\n"),
            file + ":2:9: key 'naming.type': expected masterful or iterative, got 'primary'");
  EXPECT_EQ(error("naming:\n  aliases: [mongo, Bad_Alias]\n"),
            file +
                ":2:20: key 'naming.aliases': expected a host name: dot-separated labels of "
                "lower-case letters, digits and '-', got 'Bad_Alias'");
  EXPECT_EQ(error("naming:\n  set_hostname: sometimes\n"),
            file + ":2:17: key 'naming.set_hostname': expected true or false, got 'sometimes'");
  EXPECT_EQ(
      error("naming:\n  legacy_updater: ['']\n"),
      file + ":2:20: key 'naming.legacy_updater': expected a non-empty argument, got nothing");
  EXPECT_EQ(error("naming:\n  servce: db\n"),
            file + ":2:3: unknown key 'naming.servce' (did you mean 'naming.service'?)");
  EXPECT_EQ(error("naming:\n  service: db\n  aliases: [db-slave-3]\n"),
            file +
                ":3:3: key 'naming.aliases': alias 'db-slave-3' is a name of service 'db' "
                "(naming.service)");
  EXPECT_EQ(error("naming:\n  service: db\n  aliases: [mongo, mongo]\n"),
            file + ":3:3: key 'naming.aliases': alias 'mongo' is listed twice");
  EXPECT_EQ(error("naming:\n  service: web-slave\n  type: iterative\n"),
            file +
                ":3:3: key 'naming.type': iterative service 'web-slave' ends with '-slave': its "
                "names would read as slave names of masterful service 'web'");
  std::string seventeen = "naming:\n  aliases: [";
  for (int i = 0; i < 17; ++i) seventeen += (i ? ", a" : "a") + std::to_string(i);
  EXPECT_EQ(error(seventeen + "]\n"),
            file + ":2:3: key 'naming.aliases': at most 16 aliases, got 17");
}

TEST(NodeConfig, AgentFilesAreTheNodesRootAndSecurityFiles) {
  ScratchDir dir;
  auto c = loadWith<NodeConfig>(dir, "server.yaml",
                                "root: /srv/n1\nsecurity:\n  key_file: /k\n  cert_file: /c\n"
                                "  provisioning_token_file: /t\n",
                                {});
  agents::NodeFiles files = c.agentFiles();
  EXPECT_EQ(files.root, "/srv/n1");
  EXPECT_EQ(files.keyFile, "/k");
  EXPECT_EQ(files.certFile, "/c");
  EXPECT_EQ(files.tokenFile, "/t");
}

TEST(NodeConfig, ExampleListsEveryKeyWithDescriptionAcceptsAndFlag) {
  std::string text = config::exampleYaml(NodeConfig::table(), "heading line");
  EXPECT_EQ(text.rfind("# heading line\n", 0), 0u) << text;
  EXPECT_NE(text.find("busy (a Puppet master's node, asked by many nodes at once, needs at "
                      "least the provisioner's per_master_concurrency).\n"
                      "# Accepts an integer between 1 and 256.\n"
                      "# Flag: --workers.\n"
                      "workers: 16\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nbroker:\n  # zmq: broker ingress, where this process publishes.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  publish: tcp://127.0.0.1:7301\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# Default: the host name it had at its first start (identity_file). Flag: "
                      "--identity.\n# identity:\n"),
            std::string::npos)
      << text;
  for (const auto* spec : NodeConfig::table().specs()) {
    auto leaf = spec->key.substr(spec->key.rfind('.') + 1);
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << spec->key;
    EXPECT_NE(text.find(spec->description), std::string::npos) << spec->key;
  }
}

TEST(NodeConfig, ExampleLoadsBackToTheDefaults) {
  config::testing::expectExampleLoadsAsDefaults<NodeConfig>();
}

TEST(NodeConfig, CommittedExampleIsCurrent) {
  config::testing::expectCommittedExample<NodeConfig>("server.yaml", "NodeConfig");
}

}  // namespace
}  // namespace drover::node
