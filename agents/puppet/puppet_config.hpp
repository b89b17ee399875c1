#pragma once
// server.yaml settings of the puppet agent (puppet.*), which provision#run_puppet and
// provision#apply share: which `puppet` to run and with which --confdir.
#include <filesystem>
#include <string>

#include "core/config/option_table.hpp"

namespace drover::agents::puppet {

struct PuppetConfig {
  std::string command = "puppet";  // the puppet agent executable, name or path
  std::filesystem::path confdir;   // --confdir, under the node root; empty: Puppet's default

  /// puppet.command and puppet.confdir, as the node's table includes them.
  static const config::Table<PuppetConfig>& table();
};

}  // namespace drover::agents::puppet
