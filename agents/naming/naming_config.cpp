#include "agents/naming/naming_config.hpp"

#include <set>

#include "core/config/diagnostics.hpp"
#include "core/naming/names.hpp"

namespace drover::agents::naming {
namespace {

config::Check service() {
  return {
      "a service name: 1 to 40 lower-case letters, digits and '-', starting with a letter, "
      "not ending with '-', without '--'; or empty",
      [](const std::string& v) { return v.empty() || ::drover::naming::checkService(v).empty(); }};
}

config::Check type() {
  return {"masterful or iterative",
          [](const std::string& v) { return v == "masterful" || v == "iterative"; }};
}

config::Check hostName() {
  return {"a host name: dot-separated labels of lower-case letters, digits and '-'",
          [](const std::string& v) { return ::drover::naming::checkHostName(v).empty(); }};
}

config::Check argument() {
  return {"a non-empty argument", [](const std::string& v) { return !v.empty(); }};
}

// Rules across keys: an iterative service whose names would read as another's slaves,
// how many aliases, none listed twice, and none that is a name of the node's own service
// (the provisioner hands those out; an alias taking one would collide).
void finishDeclaration(NamingConfig& config, config::Diagnostics& diag) {
  auto type = ::drover::naming::serviceTypeFrom(config.type);
  if (!config.service.empty() && type && ::drover::naming::checkService(config.service).empty()) {
    std::string why = ::drover::naming::checkDeclaration({config.service, *type, {}});
    if (!why.empty()) diag.badValue("naming.type", why);
  }
  if (config.aliases.size() > kMaxAliases) {
    diag.badValue("naming.aliases",
                  "at most 16 aliases, got " + std::to_string(config.aliases.size()));
  }
  std::set<std::string> seen;
  for (const auto& alias : config.aliases) {
    if (!seen.insert(alias).second)
      diag.badValue("naming.aliases", "alias '" + alias + "' is listed twice");
    auto parsed = ::drover::naming::parseName(alias);
    if (parsed && !config.service.empty() && parsed->service == config.service) {
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
  t.finishWith(finishDeclaration);
  return t;
}

}  // namespace

const config::Table<NamingConfig>& NamingConfig::table() {
  static const config::Table<NamingConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::naming
