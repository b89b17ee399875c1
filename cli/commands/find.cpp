// drover find: the identities of matching nodes, one per line (pipe into --nodes -).
#include "cli/commands/commands.hpp"

namespace drover::cli {
namespace {

int runFind(Context& context) {
  auto nodes = resolveTargets(context, "");
  if (context.output().json) {
    std::printf("%s\n", Json(nodes).dump(2, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    for (const auto& node : nodes) std::printf("%s\n", node.c_str());
  }
  return nodes.empty() ? kExitNoNodes : kExitOk;
}

}  // namespace

void addFind(Context& context, Command& chosen) {
  CLI::App* command = context.app().add_subcommand("find", "List the identities of matching nodes");
  context.addDiscoveryFlags(*command);
  context.addOutputFlags(*command);
  command->callback([&context, &chosen] { chosen = [&context] { return runFind(context); }; });
}

}  // namespace drover::cli
