// provision#set_puppet_server: the node's hosts file maps the Puppet server name to
// its master's address, in the one entry provisioning manages.
#include "agents/provision/actions.hpp"
#include "agents/provision/hosts_file.hpp"

namespace drover::agents::provision {

Reply setPuppetServer(const Request& request, ProvisionContext& context) {
  const std::string name = request.args.value("name", "");
  const std::string address = request.args.value("address", "");
  const auto file = context.hostsFile();
  bool changed = setManagedEntry(file, name, address);
  context.state().recordStep("set_puppet_server", {{"name", name}, {"address", address}},
                             context.nowMs());
  return {
      {},
      {{"name", name}, {"address", address}, {"hosts_file", file.string()}, {"changed", changed}}};
}

}  // namespace drover::agents::provision
