#include "agents/puppetca/puppetca_config.hpp"

namespace drover::agents::puppetca {
namespace {

config::Table<PuppetcaConfig> makeTable() {
  config::Table<PuppetcaConfig> t;
  t.add("puppetserver.command", &PuppetcaConfig::command,
        "The puppetserver executable, for `puppetserver ca` on masters");
  t.add("puppetserver.config", &PuppetcaConfig::puppetConf,
        "puppet.conf passed as `puppetserver ca --config` on masters; empty for none");
  return t;
}

}  // namespace

const config::Table<PuppetcaConfig>& PuppetcaConfig::table() {
  static const config::Table<PuppetcaConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::puppetca
