// provision#apply: one masterless `puppet apply` of an environment's own code on the
// node, with the Hiera config of masterless.hpp (node data first, then the image's
// defaults). Judged as run_puppet is (detailed exit codes, the run's summary, a disabled
// agent not run); a successful run is recorded as step apply:<environment>.
#include <system_error>

#include "agents/provision/actions.hpp"
#include "agents/provision/masterless.hpp"
#include "agents/puppet/puppet_runner.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;

// A report for a run that never started: what is missing on the node.
puppet::RunReport notRun(const std::string& environment, const std::string& why) {
  puppet::RunReport report;
  report.environment = environment;
  report.summaryLine = why;
  return report;
}

}  // namespace

Reply apply(const Request& request, ProvisionContext& context) {
  const std::string environment = request.args.value("environment", "");
  const std::string manifest = request.args.value("manifest", "manifests");
  if (auto why = environmentProblem(environment)) {
    throw ActionError(envelope::StatusCode::InvalidData, "input 'environment' " + *why);
  }
  if (auto why = manifestProblem(manifest)) {
    throw ActionError(envelope::StatusCode::InvalidData, "input 'manifest' " + *why);
  }
  const MasterlessPaths paths = masterlessPaths(context);
  writeIfChanged(paths.hieraConfig, hieraConfigText(paths), 0644);

  const std::string environmentpath = context.puppet().get("environmentpath");
  const auto environmentDir = findEnvironment(environmentpath, environment);
  const fs::path manifestPath = environmentDir ? *environmentDir / manifest : fs::path();
  std::error_code ec;
  puppet::RunReport report;
  if (!environmentDir) {
    report = notRun(environment, "no environment '" + environment +
                                     "' on the node (Puppet's environmentpath: " + environmentpath +
                                     ")");
  } else if (!fs::exists(manifestPath, ec)) {
    report = notRun(environment, "manifest " + manifestPath.string() + " does not exist");
  } else {
    puppet::ApplyOptions options{environment, manifestPath, paths.hieraConfig, false};
    report = puppet::applyOnce(context.puppet(), options, puppet::timeLeft(request));
  }
  if (puppet::succeeded(report.outcome)) {
    context.state().recordStep("apply:" + environment,
                               {{"manifest", manifestPath.string()},
                                {"hiera_config", paths.hieraConfig.string()},
                                {"outcome", std::string(puppet::toString(report.outcome))}},
                               context.nowMs());
  }
  Reply reply = puppet::toReply(report);
  reply.data["manifest"] = manifestPath.string();
  reply.data["hiera_config"] = paths.hieraConfig.string();
  reply.data["node_data"] = paths.nodeData.string();
  return reply;
}

}  // namespace drover::agents::provision
