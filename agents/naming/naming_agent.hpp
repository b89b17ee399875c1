#pragma once
// naming: the node side of service names (provisioner/README.md, "Names"; ddl/naming.json). The
// provisioner assigns the node a name (set_name) and pushes every name of the collective
// (update_hosts); the node keeps both in its own record (<root>/var/lib/drover/naming.json) so a
// restart keeps them, sets its hostname, writes the names block of its hosts file, answers
// identity() filters to its name and aliases, and shows its naming in registrations.
// Contract: ddl/naming.json.
//
// Order of set_name (Aerostat renamed the host before recording anything): the record
// first, then <root>/etc/hostname, then the kernel hostname, then a registration. A
// failure after the record leaves a name the provisioner sees and a retry completes.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "agents/agent.hpp"
#include "agents/naming/hosts_block.hpp"
#include "agents/naming/naming_config.hpp"
#include "agents/provision/state_store.hpp"

namespace drover::agents::naming {

struct NamingSettings {
  std::filesystem::path root = "/";
  std::filesystem::path hostsFile = "/etc/hosts";  // provision's hosts_file; under root
  std::string identity;                            // its first label: the unnamed hostname
  NamingConfig config;
};

/// What the node holds, as its record keeps it.
struct NameRecord {
  std::string name;  // "" when unnamed
  std::string fqdn;
  std::vector<std::string> heldAliases;
  std::int64_t hostsVersion = 0;
  std::string legacyLines;  // the legacy updater's last good output
};

class NamingAgent : public Agent {
 public:
  /// Reads the record and gives `node` the names in it. Throws RegistrationError if
  /// `ddl` and the actions differ, std::runtime_error naming the record file when it
  /// cannot be read.
  NamingAgent(ddl::Ddl ddl, NamingSettings settings, NodeInfo& node);

  /// status(): the registration's data.naming.
  Json registrationData() const override { return status(); }

  /// {service, type, aliases, name, fqdn, held_aliases, hostname, hosts_version}.
  Json status() const;
  NameRecord record() const;

  std::filesystem::path stateFile() const;
  std::filesystem::path hostsFile() const;
  std::filesystem::path hostnameFile() const;

 private:
  static ActionTable actions(NamingAgent* self);
  Reply setName(const Request& request);
  Reply updateHosts(const Request& request);
  void adopt(NameRecord wanted);
  void applyHostname(const std::string& hostname) const;
  std::string legacyLines(std::string& problem) const;
  bool writeHosts(std::int64_t version, const std::string& domain, const std::string& legacy,
                  const std::vector<HostsEntry>& entries) const;

  NamingSettings settings_;
  NodeInfo& node_;
  provision::StateStore state_;
  std::mutex writeMutex_;           // one action writing at a time, in arrival order
  mutable std::mutex recordMutex_;  // record_: held only to copy it
  NameRecord record_;
};

/// The names filters match besides the identity: the name and held aliases.
std::vector<std::string> namesOf(const NameRecord& record);

}  // namespace drover::agents::naming
