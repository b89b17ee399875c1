#pragma once
// server.yaml settings of the provision agent of its own (hosts_file). It also runs
// Puppet with the puppet agent's settings (agents/puppet/puppet_config.hpp) and enrols
// with the node's security.* files, which the node hands over (agents/builtin.hpp).
#include <filesystem>

#include "core/config/option_table.hpp"

namespace drover::agents::provision {

struct ProvisionConfig {
  std::filesystem::path hostsFile = "/etc/hosts";  // resolved under the node root

  /// hosts_file, as the node's table includes it.
  static const config::Table<ProvisionConfig>& table();
};

}  // namespace drover::agents::provision
