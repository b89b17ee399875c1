#pragma once
// Settings of droverd, the node daemon (/etc/drover/server.yaml). Each field has its
// default beside it; table() documents every key, its flag and its check.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/builtin.hpp"
#include "core/bus/bus_config.hpp"
#include "core/config/cli_overrides.hpp"
#include "core/config/defaults.hpp"
#include "core/config/option_table.hpp"

namespace drover::node {

struct NodeConfig {
  static constexpr const char* kDefaultFile = "/etc/drover/server.yaml";
  // First lines of the example config generated from table() (etc/).
  static constexpr const char* kExampleHeading =
      "server.yaml: settings of droverd, the Drover node daemon.\n"
      "Every key is optional; the values shown are the defaults. Each key can also be\n"
      "set with the flag named beside it, which wins over this file.";

  std::string identity = config::hostName();  // this node's name on the bus
  // Where a node whose identity is its host name keeps that identity: the naming gives
  // the machine another host name, and the identity (its certificate's name) must stay.
  std::filesystem::path identityFile = "/var/lib/drover/identity";
  bool identityGiven = false;             // set by the file or a flag (not a setting)
  std::string mainCollective = "drover";  // where registrations go
  // Collectives the node joins. Unless set, just mainCollective; must include it.
  std::vector<std::string> collectives{"drover"};
  bus::BusConfig bus;  // transport, broker or NATS servers, and how to authenticate
  // Message security (DESIGN.md, "Security"). Off only when the operator says so.
  bool securityEnabled = true;
  std::filesystem::path caFile = "/etc/drover/ssl/ca.pem";      // the collective's CA
  std::filesystem::path crlFile = "/etc/drover/ssl/crl.pem";    // its revocation list
  std::filesystem::path certFile = "/etc/drover/ssl/node.pem";  // this node's certificate
  std::filesystem::path keyFile = "/etc/drover/ssl/node.key";   // and its private key
  // First boot: without certFile, a node holding this token serves only `provision`.
  std::filesystem::path provisioningTokenFile = "/etc/drover/provisioning.token";
  std::filesystem::path policyDir = "/etc/drover/policies";  // per-agent policies
  std::filesystem::path auditLog = "/var/log/drover/audit.log";
  std::chrono::seconds maxClockSkew{30};  // callers' clocks may run this far ahead
  int replayCacheEntries = 100000;        // ids remembered against replays
  // The built-in agents' own settings (puppet.*, puppetserver.*, hosts_file), declared
  // by each agent in agents/ and handed to them by makeBuiltinAgents().
  agents::BuiltinConfig builtinAgents;
  std::filesystem::path factsFile;     // YAML facts; empty: built-in facts only
  std::filesystem::path classesFile;   // one class per line; empty: no classes
  std::vector<std::string> agentsDir;  // directories of external agents
  std::vector<std::string> ddlDirs = config::defaultDdlDirs();
  std::filesystem::path root = "/";  // agents that write files resolve paths here
  int workers = 16;           // most threads running agent actions at once, started as needed
  int queueLimit = 256;       // requests waiting beyond that get Busy
  std::string metricsListen;  // HOST:PORT of GET /metrics; empty: not served
  std::chrono::seconds registrationInterval{300};  // heartbeat period; 0 disables
  std::chrono::seconds maxTtl{3600};               // longest request TTL accepted
  std::string logLevel = "info";
  std::filesystem::path logFile;  // empty: stderr
  std::filesystem::path pidFile;  // empty: none written

  /// The option table of server.yaml; it includes agents::BuiltinConfig::table().
  static const config::Table<NodeConfig>& table();

  /// Defaults, then `file` (none when empty), then the flags in `cli`, then the checks.
  /// Throws config::Error listing every problem, each naming file:line:column or flag,
  /// and key.
  static NodeConfig load(const std::filesystem::path& file, const config::CliOverrides& cli = {});

  /// The identity droverd runs as: the one given, else the one identityFile kept, else
  /// the host name, which is then kept there (a warning, not an error, when it cannot
  /// be written). Throws std::runtime_error naming the file when what it holds is not an
  /// identity.
  std::string stableIdentity() const;

  /// The node's root and security files, which the built-in agents work on.
  agents::NodeFiles agentFiles() const;
};

}  // namespace drover::node
