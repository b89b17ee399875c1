#pragma once
// server.yaml settings of the naming agent (naming.*): what the node declares to the
// provisioner (service, type, aliases) and how it applies what it is told (hostname,
// legacy updater). The hosts file is the provision agent's hosts_file: one file, one
// setting, with the puppet server entry and the names block side by side.
#include <string>
#include <vector>

#include "core/config/option_table.hpp"

namespace drover::agents::naming {

inline constexpr std::size_t kMaxAliases = 16;  // as core/naming's kMaxAliases

struct NamingConfig {
  std::string service;                     // "": no service declared
  std::string type = "iterative";          // or masterful
  std::vector<std::string> aliases;        // declared extra host names
  bool setHostname = true;                 // sethostname(2) when named
  std::vector<std::string> legacyUpdater;  // argv; stdout goes first in the block

  /// naming.*, as the node's table includes it.
  static const config::Table<NamingConfig>& table();
};

}  // namespace drover::agents::naming
