#include "agents/naming/naming_agent.hpp"

#include "agents/naming/hostname.hpp"
#include "agents/provision/context.hpp"

namespace drover::agents::naming {
namespace {

NameRecord recordFrom(const Json& state, const std::filesystem::path& file) {
  try {
    NameRecord record;
    record.name = state.value("name", "");
    record.fqdn = state.value("fqdn", "");
    record.heldAliases = state.value("held_aliases", std::vector<std::string>{});
    record.hostsVersion = state.value("hosts_version", std::int64_t{0});
    record.legacyLines = state.value("legacy_lines", "");
    return record;
  } catch (const Json::exception& e) {
    throw std::runtime_error("naming state " + file.string() + ": " + e.what() +
                             "; fix or remove it");
  }
}

}  // namespace

std::vector<std::string> namesOf(const NameRecord& record) {
  std::vector<std::string> names;
  if (!record.name.empty()) names.push_back(record.name);
  names.insert(names.end(), record.heldAliases.begin(), record.heldAliases.end());
  return names;
}

NamingAgent::NamingAgent(ddl::Ddl ddl, NamingSettings settings, NodeInfo& node)
    : Agent(std::move(ddl), actions(this)),
      settings_(std::move(settings)),
      node_(node),
      state_(provision::underRoot(settings_.root, "/var/lib/drover/naming.json"), "naming state"),
      record_(recordFrom(state_.read(), state_.file())) {
  node_.setNames(namesOf(record_));
}

// The handlers use `self` only when called, once it is fully built.
ActionTable NamingAgent::actions(NamingAgent* self) {
  return {
      {"set_name", [self](const Request& request) { return self->setName(request); }},
      {"update_hosts", [self](const Request& request) { return self->updateHosts(request); }},
      {"status",
       [self](const Request&) {
         return Reply{{}, self->status()};
       }},
  };
}

NameRecord NamingAgent::record() const {
  std::lock_guard lock(recordMutex_);
  return record_;
}

Json NamingAgent::status() const {
  NameRecord held = record();
  const NamingConfig& declared = settings_.config;
  return {{"service", declared.service},
          {"type", declared.type},
          {"aliases", declared.aliases},
          {"name", held.name},
          {"fqdn", held.fqdn},
          {"held_aliases", held.heldAliases},
          {"hostname", currentHostname()},
          {"hosts_version", held.hostsVersion}};
}

std::filesystem::path NamingAgent::stateFile() const { return state_.file(); }

std::filesystem::path NamingAgent::hostsFile() const {
  return provision::underRoot(settings_.root, settings_.hostsFile);
}

std::filesystem::path NamingAgent::hostnameFile() const {
  return provision::underRoot(settings_.root, "/etc/hostname");
}

}  // namespace drover::agents::naming
