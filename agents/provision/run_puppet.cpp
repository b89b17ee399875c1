// provision#run_puppet: one foreground Puppet run against the given master in the given
// environment, as puppet#runonce; a successful run is recorded as step
// run_puppet:<environment>.
#include "agents/provision/actions.hpp"
#include "agents/puppet/puppet_runner.hpp"

namespace drover::agents::provision {

Reply runPuppet(const Request& request, ProvisionContext& context) {
  const std::string certname = context.certname(request);
  const std::string environment = request.args.value("environment", "");
  const std::string server = request.args.value("server", "");
  const int port = request.args.value("port", 8140);
  puppet::RunOptions options;
  options.environment = environment;
  options.extraArgs = {"--certname", certname,       "--server",
                       server,       "--serverport", std::to_string(port)};
  puppet::RunReport report = puppet::runOnce(context.puppet(), options, puppet::timeLeft(request));
  if (puppet::succeeded(report.outcome)) {
    context.state().recordStep("run_puppet:" + environment,
                               {{"certname", certname},
                                {"server", server},
                                {"port", port},
                                {"outcome", std::string(puppet::toString(report.outcome))}},
                               context.nowMs());
  }
  Reply reply = puppet::toReply(report);
  reply.data["certname"] = certname;
  return reply;
}

}  // namespace drover::agents::provision
