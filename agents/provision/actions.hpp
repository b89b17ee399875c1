#pragma once
// The provision agent's actions, one handler per file (set_puppet_server.cpp, ...).
// To add an action: declare its handler here, write it in its own file, list it in
// entries() in provision_agent.cpp (saying whether it uses Puppet's ssldir: then it runs
// holding its turn there) and describe it in ddl/provision.json; an action in one but not
// the other stops the agent at registration.
#include "agents/agent.hpp"
#include "agents/provision/context.hpp"

namespace drover::agents::provision {

using ActionHandler = Reply (*)(const Request& request, ProvisionContext& context);

Reply setPuppetServer(const Request& request, ProvisionContext& context);
Reply requestCertificate(const Request& request, ProvisionContext& context);
Reply certificateStatus(const Request& request, ProvisionContext& context);
Reply runPuppet(const Request& request, ProvisionContext& context);
Reply provisioningStatus(const Request& request, ProvisionContext& context);
Reply claim(const Request& request, ProvisionContext& context);
Reply release(const Request& request, ProvisionContext& context);
Reply enrol(const Request& request, ProvisionContext& context);
Reply installCertificate(const Request& request, ProvisionContext& context);
Reply setNodeData(const Request& request, ProvisionContext& context);
Reply apply(const Request& request, ProvisionContext& context);

}  // namespace drover::agents::provision
