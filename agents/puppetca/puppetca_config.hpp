#pragma once
// server.yaml settings of the puppetca agent (puppetserver.*). A node loads puppetca
// only when puppetserver.config names the master's puppet.conf.
#include <filesystem>
#include <string>

#include "core/config/option_table.hpp"

namespace drover::agents::puppetca {

struct PuppetcaConfig {
  std::string command = "puppetserver";  // runs `puppetserver ca` on masters
  std::filesystem::path puppetConf;      // given as `puppetserver ca --config`; empty: no CA

  /// puppetserver.command and puppetserver.config, as the node's table includes them.
  static const config::Table<PuppetcaConfig>& table();
};

}  // namespace drover::agents::puppetca
