#include "node/node_config.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/config/checks.hpp"
#include "core/config/diagnostics.hpp"
#include "core/config/loader.hpp"
#include "core/log/log.hpp"
#include "core/service/metrics_endpoint.hpp"
#include "core/util/files.hpp"

namespace drover::node {
namespace {

const log::Logger logger{"drover.node.config"};

using config::Diagnostics;
using config::Table;
namespace checks = config::checks;

void addBusOptions(Table<NodeConfig>& t) {
  t.add("identity", &NodeConfig::identity, "Name of this node on the bus")
      .checkedBy(checks::identity())
      .defaultShownAs("the host name it had at its first start (identity_file)");
  t.add("identity_file", &NodeConfig::identityFile,
        "Where the identity taken from the host name is kept, so that it stays when the host "
        "name changes (naming.set_hostname); empty: always the current host name");
  t.add("main_collective", &NodeConfig::mainCollective, "Collective that receives registrations")
      .checkedBy(checks::collectiveName());
  t.add("collectives", &NodeConfig::collectives,
        "Collectives this node joins; must include main_collective")
      .checkedBy(checks::collectiveName())
      .defaultShownAs("just main_collective");
  t.include(&NodeConfig::bus, bus::BusConfig::table());
}

void addNodeOptions(Table<NodeConfig>& t) {
  t.add("facts_file", &NodeConfig::factsFile,
        "YAML facts file merged over the built-in facts; empty for none");
  t.add("classes_file", &NodeConfig::classesFile,
        "Classes file, one class per line; empty for none");
  t.add("agents_dir", &NodeConfig::agentsDir,
        "Directories holding external agents (executable plus DDL)");
  t.add("ddl_dirs", &NodeConfig::ddlDirs, "Directories searched for agent DDL files, in order")
      .defaultShownAs("the installed share/drover/ddl, then the source tree's ddl/");
  t.add("root", &NodeConfig::root,
        "Node root: agents that write files resolve every path under it");
}

void addSecurityOptions(Table<NodeConfig>& t) {
  t.add("security.enabled", &NodeConfig::securityEnabled,
        "Verify, replay-check and authorize every request and sign every reply. Turning "
        "it off lets anyone on the bus run any action; the node then says so in its log "
        "and inventory");
  t.add("security.ca_file", &NodeConfig::caFile, "PEM certificate of the collective's CA");
  t.add("security.crl_file", &NodeConfig::crlFile,
        "PEM revocation list of the CA; re-read on SIGHUP");
  t.add("security.cert_file", &NodeConfig::certFile, "This node's PEM certificate");
  t.add("security.key_file", &NodeConfig::keyFile, "This node's PEM private key (mode 0600)");
  t.add("security.provisioning_token_file", &NodeConfig::provisioningTokenFile,
        "Provisioning token of a first-boot node; while cert_file does not exist the node "
        "serves only the provision agent, to callers with the provisioner role");
  t.add("security.policy_dir", &NodeConfig::policyDir,
        "Directory of per-agent authorization policies; re-read on SIGHUP");
  t.add("security.audit_log", &NodeConfig::auditLog,
        "JSON-lines audit log of every authorization decision and result; reopened on SIGHUP");
  t.add("security.max_clock_skew", &NodeConfig::maxClockSkew,
        "Seconds a request's time may lie in the future")
      .between(0, 3600);
  t.add("security.replay_cache_entries", &NodeConfig::replayCacheEntries,
        "Request ids remembered to refuse replays (about 160 bytes each)")
      .between(1000, 10000000);
}

void addDaemonOptions(Table<NodeConfig>& t) {
  t.add("workers", &NodeConfig::workers,
        "Most threads that run agent actions at once; one is started when a request finds every "
        "started one busy (a Puppet master's node, asked by many nodes at once, needs at least "
        "the provisioner's per_master_concurrency)")
      .between(1, 256);
  t.add("queue_limit", &NodeConfig::queueLimit,
        "Requests that may wait for a worker before new ones are refused as busy")
      .between(1, 100000);
  t.add("metrics.listen", &NodeConfig::metricsListen,
        "HOST:PORT serving Prometheus metrics over HTTP (GET /metrics); empty: none")
      .checkedBy(
          {"empty, or HOST:PORT such as 127.0.0.1:9311 or [::1]:9311",
           [](const std::string& text) { return text.empty() || service::isListenAddress(text); }});
  t.add("registration_interval", &NodeConfig::registrationInterval,
        "Seconds between registration heartbeats; 0 disables them")
      .between(0, 86400);
  t.add("max_ttl", &NodeConfig::maxTtl, "Longest request TTL accepted, in seconds")
      .between(1, 86400);
  t.add("log_level", &NodeConfig::logLevel, "Log level").checkedBy(checks::logLevel());
  t.add("log_file", &NodeConfig::logFile, "Log file; empty for stderr");
  t.add("pid_file", &NodeConfig::pidFile,
        "File the daemon writes its process id to; empty for none");
}

// The node registers in mainCollective, so it must be one it joins. An identity not
// given is the host name's, which stableIdentity() keeps.
void finishCollectives(NodeConfig& config, Diagnostics& diag) {
  config.identityGiven = diag.origin("identity") != nullptr;
  if (diag.origin("collectives") == nullptr) {
    config.collectives = {config.mainCollective};
    return;
  }
  const auto& joined = config.collectives;
  if (std::find(joined.begin(), joined.end(), config.mainCollective) != joined.end()) return;
  diag.badValue("collectives", "must include main_collective '" + config.mainCollective + "'");
}

Table<NodeConfig> makeTable() {
  Table<NodeConfig> t;
  addBusOptions(t);
  addNodeOptions(t);
  addSecurityOptions(t);
  t.include(&NodeConfig::builtinAgents, agents::BuiltinConfig::table());
  addDaemonOptions(t);
  t.finishWith(finishCollectives);
  return t;
}

}  // namespace

const Table<NodeConfig>& NodeConfig::table() {
  static const Table<NodeConfig> kTable = makeTable();
  return kTable;
}

NodeConfig NodeConfig::load(const std::filesystem::path& file, const config::CliOverrides& cli) {
  return config::load(table(), file, cli);
}

std::string NodeConfig::stableIdentity() const {
  if (identityGiven || identityFile.empty()) return identity;
  std::error_code error;
  if (std::filesystem::exists(identityFile, error)) {
    std::string kept = util::readFile(identityFile);
    while (!kept.empty() && (kept.back() == '\n' || kept.back() == ' ')) kept.pop_back();
    if (!checks::identity().accepts(kept)) {
      throw std::runtime_error("identity_file " + identityFile.string() + " holds '" + kept +
                               "', not " + checks::identity().expects +
                               " (delete it to take the host name again)");
    }
    return kept;
  }
  try {
    std::filesystem::create_directories(identityFile.parent_path());
    util::writeFileAtomically(identityFile, identity + "\n", 0644);
  } catch (const std::exception& e) {
    logger()->warn("node={} identity not kept ({}): a new host name will change it", identity,
                   e.what());
  }
  return identity;
}

agents::NodeFiles NodeConfig::agentFiles() const {
  return agents::NodeFiles{root, keyFile, certFile, provisioningTokenFile};
}

}  // namespace drover::node
