#pragma once
// server.yaml settings of the cluster agent (cluster.*): where it keeps its record,
// bundles and unpacked stages, how large a bundle may be, and which ssh-keygen it runs.
#include <filesystem>
#include <string>

#include "core/config/option_table.hpp"

namespace drover::agents::cluster {

struct ClusterConfig {
  std::filesystem::path stateDir = "/var/lib/drover/cluster";  // under the node's root
  int maxBundleSize = 256 * 1024 * 1024;                       // bytes
  std::string sshKeygen = "ssh-keygen";                        // name (in PATH) or path

  /// cluster.*, as the node's table includes it.
  static const config::Table<ClusterConfig>& table();
};

}  // namespace drover::agents::cluster
