#include "core/rpc/client_config.hpp"

#include "core/config/checks.hpp"
#include "core/config/loader.hpp"

namespace drover::rpc {
namespace {

namespace checks = config::checks;

config::Table<ClientConfig> makeTable() {
  config::Table<ClientConfig> t;
  t.add("identity", &ClientConfig::identity, "Name this client gives as the sender of its requests")
      .checkedBy(checks::identity())
      .defaultShownAs("USER@HOSTNAME of the caller");
  t.add("main_collective", &ClientConfig::mainCollective,
        "Collective addressed unless a command names another")
      .checkedBy(checks::collectiveName());
  t.include(&ClientConfig::bus, bus::BusConfig::table());
  t.add("security.enabled", &ClientConfig::securityEnabled,
        "Sign requests and verify replies; must match the nodes' setting");
  t.add("security.ca_file", &ClientConfig::caFile, "PEM certificate of the collective's CA");
  t.add("security.crl_file", &ClientConfig::crlFile, "PEM revocation list of the CA");
  t.add("security.cert_file", &ClientConfig::certFile,
        "Your PEM certificate (its name must end in .admin to act as an admin)")
      .defaultShownAs("~/.drover/ssl/cert.pem");
  t.add("security.key_file", &ClientConfig::keyFile, "Your PEM private key (mode 0600)")
      .defaultShownAs("~/.drover/ssl/key.pem");
  t.add("ddl_dirs", &ClientConfig::ddlDirs, "Directories searched for agent DDL files, in order")
      .defaultShownAs("the installed share/drover/ddl, then the source tree's ddl/");
  t.add("completion_cache", &ClientConfig::completionCache,
        "File where the identities, facts and classes commands meet are kept for shell "
        "completion; empty keeps none")
      .defaultShownAs("~/.cache/drover/inventory.json ($XDG_CACHE_HOME)");
  t.add("timeout", &ClientConfig::timeout, "Seconds a call waits at most for the nodes it expects")
      .between(1, 3600);
  t.add("discovery_quiet", &ClientConfig::discoveryQuiet,
        "Milliseconds of silence that end broadcast discovery")
      .between(1, 60000);
  t.add("discovery_method", &ClientConfig::discoveryMethod,
        "How a filter finds its nodes: broadcast (every node hears the filter; a quiet window "
        "ends the wait) or registry (a drover-provisioner's registry answers at once, then the "
        "nodes are asked directly and a silent one is named); --dm for one command")
      .checkedBy({"broadcast or registry",
                  [](const std::string& v) { return v == "broadcast" || v == "registry"; }});
  t.add("registry_timeout", &ClientConfig::registryTimeout,
        "Milliseconds discovery_method registry waits for a registry's answer")
      .between(1, 60000);
  t.add("ttl", &ClientConfig::ttl, "Seconds a request stays valid after it is sent")
      .between(1, 86400);
  t.add("log_level", &ClientConfig::logLevel, "Log level").checkedBy(checks::logLevel());
  return t;
}

}  // namespace

const config::Table<ClientConfig>& ClientConfig::table() {
  static const config::Table<ClientConfig> kTable = makeTable();
  return kTable;
}

ClientConfig ClientConfig::load(const std::filesystem::path& file,
                                const config::CliOverrides& cli) {
  return config::load(table(), file, cli);
}

}  // namespace drover::rpc
