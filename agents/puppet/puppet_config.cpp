#include "agents/puppet/puppet_config.hpp"

namespace drover::agents::puppet {
namespace {

config::Table<PuppetConfig> makeTable() {
  config::Table<PuppetConfig> t;
  t.add("puppet.command", &PuppetConfig::command, "The puppet executable (name or path)");
  t.add("puppet.confdir", &PuppetConfig::confdir,
        "Puppet's --confdir for this node; empty for Puppet's default");
  return t;
}

}  // namespace

const config::Table<PuppetConfig>& PuppetConfig::table() {
  static const config::Table<PuppetConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::puppet
