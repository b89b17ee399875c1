#pragma once
// Settings of droverd, the node daemon (/etc/drover/server.yaml). Each field has its
// default beside it; table() documents every key, its flag and its check.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config/cli_overrides.hpp"
#include "core/config/defaults.hpp"
#include "core/config/option_table.hpp"

namespace drover::config {

struct NodeConfig {
  static constexpr const char* kDefaultFile = "/etc/drover/server.yaml";
  // First lines of the example config generated from table() (etc/).
  static constexpr const char* kExampleHeading =
      "server.yaml: settings of droverd, the Drover node daemon.\n"
      "Every key is optional; the values shown are the defaults. Each key can also be\n"
      "set with the flag named beside it, which wins over this file.";

  std::string identity = hostName();      // this node's name on the bus
  std::string mainCollective = "drover";  // where registrations go
  // Collectives the node joins. Unless set, just mainCollective; must include it.
  std::vector<std::string> collectives{"drover"};
  std::string brokerPublish = "tcp://127.0.0.1:7301";    // broker ingress: we publish here
  std::string brokerSubscribe = "tcp://127.0.0.1:7302";  // broker egress: we subscribe here
  std::string curveServerKey;                     // broker's CURVE public key; empty: plain TCP
  std::filesystem::path curveKeyFile;             // our CURVE keypair (YAML, mode 0600)
  // Message security (DESIGN.md, "Security"). Off only when the operator says so.
  bool securityEnabled = true;
  std::filesystem::path caFile = "/etc/drover/ssl/ca.pem";    // the collective's CA
  std::filesystem::path crlFile = "/etc/drover/ssl/crl.pem";  // its revocation list
  std::filesystem::path certFile = "/etc/drover/ssl/node.pem";  // this node's certificate
  std::filesystem::path keyFile = "/etc/drover/ssl/node.key";   // and its private key
  // First boot: without certFile, a node holding this token serves only `provision`.
  std::filesystem::path provisioningTokenFile = "/etc/drover/provisioning.token";
  std::filesystem::path policyDir = "/etc/drover/policies";   // per-agent policies
  std::filesystem::path auditLog = "/var/log/drover/audit.log";
  std::chrono::seconds maxClockSkew{30};          // callers' clocks may run this far ahead
  int replayCacheEntries = 100000;                // ids remembered against replays
  // Puppet agents (agents/puppet, agents/puppetca, agents/provision).
  std::string puppetCommand = "puppet";                 // the puppet agent executable
  std::filesystem::path puppetConfdir;                  // --confdir; empty: puppet's default
  std::string puppetserverCommand = "puppetserver";     // `puppetserver ca` on masters
  std::filesystem::path puppetserverConfig;             // puppet.conf given to `puppetserver ca`
  std::filesystem::path hostsFile = "/etc/hosts";       // resolved under root
  std::filesystem::path factsFile;                       // YAML facts; empty: built-in facts only
  std::filesystem::path classesFile;                     // one class per line; empty: no classes
  std::vector<std::string> agentsDir;                    // directories of external agents
  std::vector<std::string> ddlDirs = defaultDdlDirs();
  std::filesystem::path root = "/";                // agents that write files resolve paths here
  int workers = 4;                                 // threads running agent actions
  int queueLimit = 256;                            // requests waiting beyond that get Busy
  std::chrono::seconds registrationInterval{300};  // heartbeat period; 0 disables
  std::chrono::seconds maxTtl{3600};               // longest request TTL accepted
  std::string logLevel = "info";
  std::filesystem::path logFile;  // empty: stderr
  std::filesystem::path pidFile;  // empty: none written

  /// The option table of server.yaml.
  static const Table<NodeConfig>& table();

  /// Defaults, then `file` (none when empty), then the flags in `cli`, then the checks.
  /// Throws Error listing every problem, each naming file:line:column or flag, and key.
  static NodeConfig load(const std::filesystem::path& file, const CliOverrides& cli = {});
};

}  // namespace drover::config
