// naming#set_name: the record first, then <root>/etc/hostname and the kernel hostname,
// then a registration (naming_agent.hpp says why in this order).
#include "agents/naming/hostname.hpp"
#include "agents/naming/naming_agent.hpp"
#include "core/naming/names.hpp"

namespace drover::agents::naming {
namespace {

constexpr std::size_t kMaxHostname = 64;  // HOST_NAME_MAX on Linux

void refuse(const std::string& field, const std::string& value, const std::string& why) {
  throw ActionError(envelope::StatusCode::InvalidData,
                    field + ": '" + value.substr(0, 80) + "' " + why);
}

void checkHostName(const std::string& field, const std::string& value) {
  std::string why = ::drover::naming::checkHostName(value);
  if (!why.empty()) throw ActionError(envelope::StatusCode::InvalidData, field + ": " + why);
}

std::vector<std::string> aliasesFrom(const Json& aliases) {
  if (aliases.size() > kMaxAliases) {
    throw ActionError(envelope::StatusCode::InvalidData,
                      "aliases: " + std::to_string(aliases.size()) + " aliases, at most 16");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    std::string field = "aliases[" + std::to_string(i) + "]";
    if (!aliases[i].is_string()) refuse(field, aliases[i].dump(), "is not a string");
    checkHostName(field, aliases[i].get<std::string>());
    out.push_back(aliases[i].get<std::string>());
  }
  return out;
}

NameRecord wantedFrom(const Json& args) {
  NameRecord wanted;
  wanted.name = args.value("name", "");
  wanted.fqdn = args.value("fqdn", "");
  wanted.heldAliases = aliasesFrom(args.value("aliases", Json::array()));
  if (wanted.name.empty()) {
    if (!wanted.fqdn.empty() || !wanted.heldAliases.empty()) {
      refuse("name", "", "drops the name, so fqdn and aliases must be empty too");
    }
    return wanted;
  }
  checkHostName("name", wanted.name);
  if (wanted.name.size() > kMaxHostname)
    refuse("name", wanted.name, "is longer than 64 characters");
  if (!wanted.fqdn.empty()) checkHostName("fqdn", wanted.fqdn);
  return wanted;
}

bool sameName(const NameRecord& a, const NameRecord& b) {
  return a.name == b.name && a.fqdn == b.fqdn && a.heldAliases == b.heldAliases;
}

}  // namespace

Reply NamingAgent::setName(const Request& request) {
  NameRecord wanted = wantedFrom(request.args);
  std::lock_guard write(writeMutex_);
  bool changed = !sameName(record(), wanted);
  if (changed) adopt(wanted);
  std::string hostname = wanted.name.empty() ? firstLabel(settings_.identity) : wanted.name;
  try {
    applyHostname(hostname);
  } catch (const std::exception& e) {
    if (changed) node_.requestRegistration();
    throw ActionError(envelope::StatusCode::Aborted, "name '" + wanted.name +
                                                         "' is recorded, hostname '" + hostname +
                                                         "' is not set: " + e.what());
  }
  if (changed) node_.requestRegistration();
  return {{},
          {{"name", wanted.name},
           {"fqdn", wanted.fqdn},
           {"aliases", wanted.heldAliases},
           {"hostname", currentHostname()},
           {"changed", changed}}};
}

// The record on disk first: whatever fails later, the node and a restart agree on it.
void NamingAgent::adopt(NameRecord wanted) {
  state_.update([&](Json& state) {
    state["name"] = wanted.name;
    state["fqdn"] = wanted.fqdn;
    state["held_aliases"] = wanted.heldAliases;
  });
  std::vector<std::string> names = namesOf(wanted);
  {
    std::lock_guard lock(recordMutex_);
    record_.name = std::move(wanted.name);
    record_.fqdn = std::move(wanted.fqdn);
    record_.heldAliases = std::move(wanted.heldAliases);
  }
  node_.setNames(std::move(names));
}

void NamingAgent::applyHostname(const std::string& hostname) const {
  writeHostnameFile(hostnameFile(), hostname);
  if (settings_.config.setHostname) setKernelHostname(hostname);
}

}  // namespace drover::agents::naming
