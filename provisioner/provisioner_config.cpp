#include "provisioner/provisioner_config.hpp"

#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/config/checks.hpp"
#include "core/config/diagnostics.hpp"
#include "core/config/loader.hpp"
#include "core/config/yaml_reader.hpp"
#include "core/naming/names.hpp"
#include "core/service/metrics_endpoint.hpp"
#include "provisioner/kv_name_ledger.hpp"

namespace drover::provisioner {

using config::Check;
using config::Diagnostics;
using config::Table;
namespace checks = config::checks;

Check listenAddress() {
  return Check{
      "empty, or HOST:PORT such as 127.0.0.1:9310, [::1]:9310 or 0.0.0.0:9310",
      [](const std::string& text) { return text.empty() || service::isListenAddress(text); }};
}

bool isLoopbackListen(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

namespace {

Check factName() {
  return Check{"a fact name (letters, digits, '_', '-' and '.' for nested facts)",
               [](const std::string& text) {
                 if (text.empty()) return false;
                 for (char c : text) {
                   if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-' &&
                       c != '.') {
                     return false;
                   }
                 }
                 return true;
               }};
}

Check domainName() {
  return Check{
      "empty, or a DNS name of lower-case letters, digits, '-' and dots",
      [](const std::string& text) { return text.empty() || naming::checkHostName(text).empty(); }};
}

void finishLimits(ProvisionerConfig& config, Diagnostics& diag) {
  if (config.enrolmentTokenFiles.empty() != config.enrolmentCaDir.empty()) {
    diag.badValue(config.enrolmentCaDir.empty() ? "enrolment.ca_dir" : "enrolment.token_files",
                  "is missing: enrolment needs both enrolment.token_files and enrolment.ca_dir");
  }
  if (!config.enrolmentCaDir.empty() && !config.securityEnabled) {
    diag.badValue("enrolment.ca_dir",
                  "is set but security.enabled is false: enrolment hands "
                  "out certificates, so it needs message security on");
  }
  if (config.namingLedger == "nats" && config.bus.transport != "nats") {
    diag.badValue("naming.ledger", "is nats but bus.transport is " + config.bus.transport +
                                       ": the shared names live on the NATS cluster");
  }
  if (!config.metricsListen.empty() && !isLoopbackListen(config.metricsListen) &&
      config.pageAuthFile.empty()) {
    diag.badValue("metrics.listen",
                  "is " + config.metricsListen +
                      ", beyond loopback, but page.auth_file is empty: the page and metrics "
                      "show every node's state and errors, so set page.auth_file to listen there");
  }
  if (config.perMasterConcurrency > config.concurrency) {
    diag.badValue("per_master_concurrency", "is " + std::to_string(config.perMasterConcurrency) +
                                                ", more than concurrency (" +
                                                std::to_string(config.concurrency) + ")");
  }
}

Table<ProvisionerConfig> makeTable() {
  using C = ProvisionerConfig;
  Table<C> t;
  t.add("identity", &C::identity,
        "Name of this provisioner on the bus and owner of the claims it takes on nodes")
      .checkedBy(checks::identity())
      .defaultShownAs("HOSTNAME.provisioner");
  t.add("main_collective", &C::mainCollective, "Collective whose nodes are provisioned")
      .checkedBy(checks::collectiveName());
  t.include(&C::bus, bus::BusConfig::table());
  t.add("security.enabled", &C::securityEnabled,
        "Sign requests and verify replies; must match the nodes' setting");
  t.add("security.ca_file", &C::caFile, "PEM certificate of the collective's CA");
  t.add("security.crl_file", &C::crlFile, "PEM revocation list of the CA");
  t.add("security.cert_file", &C::certFile,
        "PEM certificate of this provisioner (its name must end in .provisioner)");
  t.add("security.key_file", &C::keyFile, "PEM private key of this provisioner (mode 0600)");
  t.add("state_db", &C::stateDb, "SQLite database holding every node's state and history");
  t.add("flow_file", &C::flowFile,
        "YAML flow: the steps each node goes through (the packages ship classic and "
        "masterless in /usr/share/drover/flows; copy one to /etc/drover to change it)");
  t.add("node_data_dir", &C::nodeDataDir,
        "Per-node Hiera data ({{node.data}} in flows): <identity>.yaml over common.yaml; "
        "empty: none");
  t.add("master_facts", &C::masterFacts,
        "Facts a node and a Puppet master are compared on, most specific first")
      .checkedBy(factName());
  t.add("concurrency", &C::concurrency, "Nodes provisioned at once").between(1, 10000);
  t.add("per_master_concurrency", &C::perMasterConcurrency,
        "Nodes provisioned at once against one master")
      .between(1, 10000);
  t.add("lease", &C::lease, "Seconds a claim on a node lasts unless renewed").between(10, 86400);
  t.add("master_heartbeat_age", &C::masterHeartbeatAge,
        "Seconds after its last registration that a master is no longer chosen")
      .between(1, 86400);
  t.add("master_failures", &C::masterFailures,
        "Failed calls in a row after which a master is no longer chosen")
      .between(1, 1000);
  t.add("recheck_interval", &C::recheckInterval,
        "Seconds before a node claimed by another provisioner is asked again")
      .between(1, 86400);
  t.add("waiting_alert", &C::waitingAlert,
        "Seconds a node may wait (no master, no free slot) before a notification")
      .between(1, 604800);
  t.add("metrics.listen", &C::metricsListen,
        "HOST:PORT of the HTTP listener: Prometheus metrics at /metrics and the live "
        "provisioning page at / (page.enabled); empty: none. Beyond loopback only with "
        "page.auth_file")
      .checkedBy(listenAddress());
  t.add("page.enabled", &C::pageEnabled,
        "Serve the live provisioning page (nodes by state, steps in flight, failures, masters, "
        "deployments, step durations) on metrics.listen");
  t.add("page.auth_file", &C::pageAuthFile,
        "Users who may see the page and /metrics, one USER:HASH a line as htpasswd -B (bcrypt), "
        "openssl passwd -6 (SHA-crypt) or mkpasswd (yescrypt) write; empty: no login, and "
        "metrics.listen stays on loopback");
  t.add("page.max_viewers", &C::pageMaxViewers,
        "Browsers following the page live at once (each holds an HTTP thread); more are "
        "answered 503")
      .between(1, 64);
  t.add("events_file", &C::eventsFile,
        "File receiving one JSON line per provisioning event; empty: standard output");
  t.add("enrolment.token_files", &C::enrolmentTokenFiles,
        "Provisioning token files (drover cert token) whose proofs enrolling nodes may "
        "present; with enrolment.ca_dir, nodes booting with a token get their certificate "
        "here. Empty: enrolling nodes wait");
  t.add("enrolment.ca_dir", &C::enrolmentCaDir,
        "CA directory (drover cert ca create) that signs enrolling nodes' certificates");
  t.add("naming.domain", &C::namingDomain,
        "Domain of the nodes' service names: fqdn and Puppet certname are NAME.DOMAIN; "
        "empty: the name alone")
      .checkedBy(domainName());
  t.add("naming.release_after", &C::namingReleaseAfter,
        "Seconds without a registration after which a node's name is released (a gap the "
        "next node of its service fills)")
      .between(10, 604800);
  t.add("naming.address_fact", &C::namingAddressFact,
        "Fact holding the address hosts files map a node's names to")
      .checkedBy(factName());
  t.add("naming.ledger", &C::namingLedger,
        "Where the provisioners agree on names: local (this provisioner's state database; "
        "one provisioner), nats (a JetStream key-value bucket shared by every provisioner on "
        "the NATS cluster, for several at once), auto (nats on bus.transport nats, else local)")
      .checkedBy({"auto, local or nats",
                  [](const std::string& v) { return v == "auto" || v == "local" || v == "nats"; }});
  t.add("naming.kv_bucket", &C::namingKvBucket,
        "The JetStream key-value bucket of the shared names (made on first use)")
      .checkedBy({"1-64 letters, digits, '-' or '_'", KvNameLedger::validBucket});
  t.add("naming.kv_replicas", &C::namingKvReplicas,
        "Copies of the names bucket the JetStream cluster keeps when it makes it; 0: one per "
        "server in nats.servers, at most 3")
      .between(0, 5);
  t.add("registry.max_nodes", &C::registryMaxNodes,
        "Most nodes the registry lists (drover --dm registry); registrations of more are "
        "refused and logged")
      .between(1, 10000000);
  t.add("registry.stale_after_missed", &C::registryStaleAfterMissed,
        "Registration intervals a node may miss before the registry counts it as gone "
        "(drover names it stale and does not ask it)")
      .between(1, 1000);
  t.add("registry.forget_after", &C::registryForgetAfter,
        "Seconds a stale node stays listed as stale before the registry forgets it")
      .between(60, 31536000);
  t.add("deployments.blob_dir", &C::deployBlobDir,
        "Directory keeping the deployments' bundles and files, by their digest");
  t.add("deployments.launcher_file", &C::launcherFile,
        "YAML settings of the launcher that starts deployment members (launchers/README.md); "
        "empty: the local launcher with its defaults");
  t.add("deployments.flow_files", &C::deployFlowFiles,
        "More YAML flows a deployment's pools may name (by each flow's name), beside "
        "flow_file's, which nodes outside deployments go through");
  t.add("log_level", &C::logLevel, "Log level").checkedBy(checks::logLevel());
  t.add("log_file", &C::logFile, "Log file; empty: standard error");
  t.add("pid_file", &C::pidFile, "File holding the daemon's PID once it is ready; empty: none");
  t.finishWith(finishLimits);
  return t;
}

// The `notifiers:` section is read by notifiers::loadFile; the option table reads the rest.
// Its lines are blanked rather than removed, so every other key keeps its line number in
// messages. std::nullopt when the file has no such section (or cannot be read or parsed:
// the ordinary reader then reports that).
std::optional<std::string> withoutNotifiers(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  if (!root.IsMap()) return std::nullopt;
  std::vector<std::pair<std::string, int>> keys;  // top-level keys and their lines
  for (const auto& entry : root) {
    keys.emplace_back(entry.first.IsScalar() ? entry.first.Scalar() : "", entry.first.Mark().line);
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].first != "notifiers") continue;
    int first = keys[i].second;
    int end = i + 1 < keys.size() ? keys[i + 1].second : std::numeric_limits<int>::max();
    if (end <= first) return std::nullopt;  // flow style on one line: left to the reader
    std::string out;
    std::istringstream lines(text);
    std::string line;
    for (int n = 0; std::getline(lines, line); ++n)
      out += (n >= first && n < end ? "" : line) + "\n";
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::string ProvisionerConfig::ledger() const {
  if (namingLedger != "auto") return namingLedger;
  return bus.transport == "nats" ? "nats" : "local";
}

const Table<ProvisionerConfig>& ProvisionerConfig::table() {
  static const Table<ProvisionerConfig> kTable = makeTable();
  return kTable;
}

ProvisionerConfig ProvisionerConfig::load(const std::filesystem::path& file,
                                          const config::CliOverrides& cli) {
  std::optional<std::string> text = file.empty() ? std::nullopt : withoutNotifiers(file);
  if (!text) return config::load(table(), file, cli);
  ProvisionerConfig loaded;
  Diagnostics diag;
  auto fields = table().bind(loaded);
  config::readYamlText(*text, file.string(), fields, diag);
  cli.apply(fields, diag);
  if (diag.empty()) table().finish(loaded, diag);
  diag.throwIfAny();
  loaded.notifiersFile = file;
  return loaded;
}

}  // namespace drover::provisioner
