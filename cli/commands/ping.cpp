// drover ping: which nodes answer, and how fast. A broadcast unless the flags name
// the nodes; ends after the discovery quiet window, not a fixed wait.
#include <algorithm>

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

int runPing(Context& context) {
  rpc::CallSpec spec = flaggedRequest(context, "rpcutil", "ping").build();
  bool json = context.output().json;
  auto printer = [json](const rpc::NodeReply& reply, std::size_t, std::size_t) {
    if (json) return;
    std::printf("%-40s time=%.1f ms\n", reply.sender.c_str(),
                static_cast<double>(reply.latency.count()) / 1000.0);
    std::fflush(stdout);
  };
  rpc::CallResult result = context.client().call(spec, printer);
  rememberNodes(context, result);
  if (json) {
    printJson(stdout, result, nullptr);
    return exitCodeFor(result);
  }
  if (!result.replies.empty()) {
    auto [lo, hi] =
        std::minmax_element(result.replies.begin(), result.replies.end(),
                            [](const auto& a, const auto& b) { return a.latency < b.latency; });
    double sum = 0;
    for (const auto& reply : result.replies) sum += static_cast<double>(reply.latency.count());
    std::printf("\n---- ping statistics ----\n%zu replies max: %.1f ms min: %.1f ms avg: %.1f ms\n",
                result.replies.size(), static_cast<double>(hi->latency.count()) / 1000.0,
                static_cast<double>(lo->latency.count()) / 1000.0,
                sum / static_cast<double>(result.replies.size()) / 1000.0);
  }
  printSummary(stdout, result);
  if (result.replies.empty() && (!spec.nodes || spec.nodes->empty())) return kExitNoNodes;
  return exitCodeFor(result);
}

}  // namespace

void addPing(Context& context, Command& chosen) {
  CLI::App* command =
      context.app().add_subcommand("ping", "Ping matching nodes and show their latency");
  context.addDiscoveryFlags(*command);
  context.addOutputFlags(*command);
  command->callback([&context, &chosen] { chosen = [&context] { return runPing(context); }; });
}

}  // namespace drover::cli
