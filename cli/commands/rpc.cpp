// drover rpc AGENT ACTION key=value...: validate against the DDL, find the nodes,
// call them (in batches if asked), render results and aggregates from the DDL.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "core/ddl/validator.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

struct RpcFlags {
  std::string agent;
  std::string action;
  std::vector<std::string> arguments;
};

const ddl::Action& findAction(Context& context, const RpcFlags& flags, const ddl::Ddl*& ddl) {
  ddl = context.ddls().find(flags.agent);
  if (ddl == nullptr) {
    throw UsageError("no DDL for agent '" + flags.agent + "' in the configured ddl_dirs; install " +
                     flags.agent + ".json there");
  }
  ddl::ActionLookup found = ddl::lookupAction(*ddl, flags.action);
  if (found.action == nullptr) throw UsageError(found.error);
  return *found.action;
}

// A word without '=' among the arguments is most often a second value given to one
// filter flag, which takes one per use.
std::string notKeyValueHint(const std::vector<std::string>& arguments) {
  for (const auto& argument : arguments) {
    if (argument.find('=') == std::string::npos) {
      return "\n  (-F, -C, -A, -I and -S take one value each: write -I web1 -I web2, not "
             "-I web1 web2)";
    }
  }
  return "";
}

Json validatedArguments(const ddl::Action& action, const RpcFlags& flags) {
  Json args;
  try {
    args = ddl::parseCliArguments(action, flags.arguments);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what() + notKeyValueHint(flags.arguments));
  }
  auto violations = ddl::validate(action, args);
  if (!violations.empty()) {
    std::string message = flags.agent + "#" + flags.action + ": invalid arguments:";
    for (const auto& v : violations) message += "\n  " + v.message;
    throw UsageError(message);
  }
  return args;
}

int runRpc(Context& context, const RpcFlags& flags) {
  const ddl::Ddl* ddl = nullptr;
  const ddl::Action& action = findAction(context, flags, ddl);
  // The filter first: `-F noop=true` is why the input noop would be missing.
  context.refuseInputsAsFacts(flags.agent, action);
  std::string filter = requestFilter(context);
  Json args = validatedArguments(action, flags);
  auto timeout = context.timeout(std::chrono::seconds(ddl->metadata.timeout + 2));
  std::vector<std::string> nodes = resolveTargets(context, flags.agent);
  if (nodes.empty()) {
    std::fprintf(stderr, "no nodes matched the filter\n");
    return kExitNoNodes;
  }
  rpc::CallSpec spec = rpc::request(flags.agent, flags.action)
                           .filter(std::move(filter))
                           .args(std::move(args))
                           .nodes(std::move(nodes))
                           .timeout(timeout)
                           .ttlFloor(context.config().ttl)
                           .build();
  ProgressLine progress(!context.output().noProgress && !context.output().json);
  auto sleep =
      std::chrono::milliseconds(static_cast<long>(context.discovery().batchSleep * 1000.0));
  rpc::CallResult result =
      context.client().callInBatches(spec, context.discovery().batch, sleep, progress.callback());
  progress.clear();
  rememberNodes(context, result);
  if (context.output().json) {
    printJson(stdout, result, &action);
  } else {
    printResults(stdout, result, &action, context.output().verbose);
    printSummary(stdout, result);
  }
  return exitCodeFor(result);
}

}  // namespace

void addRpc(Context& context, Command& chosen) {
  auto flags = std::make_shared<RpcFlags>();
  CLI::App* command = context.app().add_subcommand(
      "rpc", "Call AGENT ACTION on matching nodes with key=value arguments");
  command->add_option("agent", flags->agent, "Agent to call")->required();
  command->add_option("action", flags->action, "Action of the agent")->required();
  command->add_option("arguments", flags->arguments,
                      "Inputs as key=value, checked against the DDL");
  context.addDiscoveryFlags(*command);
  context.addBatchFlags(*command);
  context.addOutputFlags(*command);
  command->callback([&context, &chosen, flags] {
    chosen = [&context, flags] { return runRpc(context, *flags); };
  });
}

}  // namespace drover::cli
