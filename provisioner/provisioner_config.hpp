#pragma once
// Settings of drover-provisioner (/etc/drover/provisioner.yaml). Each field has its
// default beside it; table() documents every key, its flag and its check.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/bus/bus_config.hpp"
#include "core/config/cli_overrides.hpp"
#include "core/config/defaults.hpp"
#include "core/config/option_table.hpp"

namespace drover::provisioner {

struct ProvisionerConfig {
  static constexpr const char* kDefaultFile = "/etc/drover/provisioner.yaml";
  // First lines of the example config generated from table() (etc/).
  static constexpr const char* kExampleHeading =
      "provisioner.yaml: settings of drover-provisioner, the Drover provisioning daemon.\n"
      "Every key is optional; the values shown are the defaults. Each key can also be\n"
      "set with the flag named beside it, which wins over this file.";

  // Name on the bus and owner of the claims it takes; its certificate name must end
  // in .provisioner once messages are signed.
  std::string identity = config::hostName() + ".provisioner";
  std::string mainCollective = "drover";
  bus::BusConfig bus;  // transport, broker or NATS servers, and how to authenticate
  bool securityEnabled = true;
  std::filesystem::path caFile = "/etc/drover/ssl/ca.pem";
  std::filesystem::path crlFile = "/etc/drover/ssl/crl.pem";
  std::filesystem::path certFile = "/etc/drover/ssl/provisioner.pem";
  std::filesystem::path keyFile = "/etc/drover/ssl/provisioner.key";
  std::filesystem::path stateDb = "/var/lib/drover/provisioner/provisioner.db";
  std::filesystem::path flowFile = "/usr/share/drover/flows/classic.yaml";
  // Per-node Hiera data for the masterless flow ({{node.data}}): <dir>/<identity>.yaml
  // over <dir>/common.yaml. Empty: none.
  std::filesystem::path nodeDataDir;
  // Facts compared between a node and the masters, most specific first.
  std::vector<std::string> masterFacts{"region", "country", "continent"};
  int concurrency = 50;             // nodes in flight at once
  int perMasterConcurrency = 10;    // nodes in flight per master
  std::chrono::seconds lease{300};  // claim lease taken on each node; renewed at a third
  std::chrono::seconds masterHeartbeatAge{900};  // master silent longer: not chosen
  int masterFailures = 3;                        // consecutive failed calls that take a master out
  std::chrono::seconds recheckInterval{60};      // node claimed elsewhere: ask again after
  std::chrono::seconds waitingAlert{600};        // notify when a node waits this long
  // The HTTP listener: /metrics and the live page. Beyond loopback only with a password.
  std::string metricsListen = "127.0.0.1:9310";  // HOST:PORT; empty: no HTTP
  bool pageEnabled = true;                       // the live page on that listener
  std::filesystem::path pageAuthFile;            // htpasswd-style users; empty: no login
  int pageMaxViewers = 8;                        // event streams at once
  std::filesystem::path eventsFile;              // JSON line per event; empty: stdout
  // First-boot enrolment: tokens whose proofs are accepted, and the CA that signs the
  // enrolling nodes' CSRs. Both or neither; without them enrolling nodes wait.
  std::vector<std::string> enrolmentTokenFiles;
  std::filesystem::path enrolmentCaDir;
  // The file holding the `notifiers:` section, when the config file has one (read by
  // notifiers::loadFile; the option table skips that section).
  std::filesystem::path notifiersFile;
  // Service names (name_keeper.hpp): the domain of every fqdn (and so of the Puppet
  // certname), the silence that frees a name, the fact hosts files map names to.
  std::string namingDomain;
  std::chrono::seconds namingReleaseAfter{600};
  std::string namingAddressFact = "ipaddress";
  // Where the names are agreed (kv_name_ledger.hpp): "local" (this provisioner's state
  // database), "nats" (a JetStream key-value bucket every provisioner on the cluster
  // shares) or "auto" (nats on the NATS transport, local on ZeroMQ).
  std::string namingLedger = "auto";
  std::string namingKvBucket = "drover_names";
  int namingKvReplicas = 0;  // 0: one per server in nats.servers, at most 3

  /// namingLedger as it applies to this bus: "local" or "nats".
  std::string ledger() const;
  // The registry of every node's last registration (core/registry/registry.hpp), which
  // answers `drover --dm registry`.
  int registryMaxNodes = 100000;
  int registryStaleAfterMissed = 3;
  std::chrono::seconds registryForgetAfter{86400};
  // Deployments (provisioner/deploy/): where uploaded bundles are kept, and the settings
  // of the launcher that starts members.
  std::filesystem::path deployBlobDir = "/var/lib/drover/provisioner/deployments";
  std::filesystem::path launcherFile;
  // Flows a deployment's pools may name besides flow_file's (each by its `name:`).
  std::vector<std::string> deployFlowFiles;
  std::string logLevel = "info";
  std::filesystem::path logFile;  // empty: stderr
  std::filesystem::path pidFile;  // empty: none written

  /// The option table of provisioner.yaml.
  static const config::Table<ProvisionerConfig>& table();

  /// Defaults, then `file` (none when empty), then the flags in `cli`, then the checks.
  /// A top-level `notifiers:` section is left to notifiers::loadFile (notifiersFile says
  /// where it is). Throws config::Error listing every problem, each naming
  /// file:line:column or flag, and key.
  static ProvisionerConfig load(const std::filesystem::path& file,
                                const config::CliOverrides& cli = {});
};

/// Empty, or HOST:PORT (HOST a name, an IPv4 address or [IPv6]).
config::Check listenAddress();
/// Whether HOST:PORT is on loopback (127.x.x.x, [::1], localhost).
bool isLoopbackListen(const std::string& listen);

}  // namespace drover::provisioner
