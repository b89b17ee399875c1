#include "agents/naming/naming_config.hpp"

#include "agents/naming/name_checks.hpp"
#include "core/config/diagnostics.hpp"

namespace drover::agents::naming {
namespace {

config::Check service() {
  return {
      "a service name: 1 to 40 lower-case letters, digits and '-', starting with a letter, "
      "not ending with '-', without '--'; or empty",
      [](const std::string& v) { return v.empty() || serviceProblem(v).empty(); }};
}

config::Check type() {
  return {"masterful or iterative",
          [](const std::string& v) { return v == "masterful" || v == "iterative"; }};
}

config::Check hostName() {
  return {"a host name: dot-separated labels of lower-case letters, digits and '-'",
          [](const std::string& v) { return hostNameProblem(v).empty(); }};
}

config::Check argument() {
  return {"a non-empty argument", [](const std::string& v) { return !v.empty(); }};
}

// Rules across keys: how many aliases, and none that is a name of the node's own service
// (the provisioner hands those out; an alias taking one would collide).
void finishAliases(NamingConfig& config, config::Diagnostics& diag) {
  if (config.aliases.size() > kMaxAliases) {
    diag.badValue("naming.aliases",
                  "at most 16 aliases, got " + std::to_string(config.aliases.size()));
  }
  for (const auto& alias : config.aliases) {
    if (isNameOfService(config.service, alias)) {
      diag.badValue("naming.aliases", "alias '" + alias + "' is a name of service '" +
                                          config.service + "' (naming.service)");
    }
  }
}

config::Table<NamingConfig> makeTable() {
  config::Table<NamingConfig> t;
  t.add("naming.service", &NamingConfig::service,
        "Service this node runs, named by the provisioner (db: db-master, db-slave-1, ...)")
      .checkedBy(service());
  t.add("naming.type", &NamingConfig::type,
        "masterful (<service>-master, <service>-slave-N) or iterative (<service>-N)")
      .checkedBy(type());
  t.add("naming.aliases", &NamingConfig::aliases, "Extra host names for this node (at most 16)")
      .checkedBy(hostName());
  t.add("naming.set_hostname", &NamingConfig::setHostname,
        "Set the kernel hostname to the assigned name (<root>/etc/hostname is always written)");
  t.add("naming.legacy_updater", &NamingConfig::legacyUpdater,
        "Program and arguments whose output goes first in the hosts file's names block")
      .checkedBy(argument());
  t.finishWith(finishAliases);
  return t;
}

}  // namespace

const config::Table<NamingConfig>& NamingConfig::table() {
  static const config::Table<NamingConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::naming
