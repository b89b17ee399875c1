#include "agents/provision/provision_config.hpp"

namespace drover::agents::provision {
namespace {

config::Table<ProvisionConfig> makeTable() {
  config::Table<ProvisionConfig> t;
  t.add("hosts_file", &ProvisionConfig::hostsFile,
        "Hosts file where provisioning sets the Puppet server entry (under root)");
  return t;
}

}  // namespace

const config::Table<ProvisionConfig>& ProvisionConfig::table() {
  static const config::Table<ProvisionConfig> kTable = makeTable();
  return kTable;
}

}  // namespace drover::agents::provision
