// drover facts FACT: how the values of one fact are spread over matching nodes.
// Output never throws on invalid UTF-8 from a node: such bytes print as U+FFFD.
#include <algorithm>
#include <map>

#include "cli/commands/commands.hpp"
#include "cli/completion_cache.hpp"
#include "cli/output.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

std::string valueText(const Json& value) {
  if (value.is_null()) return "(missing)";
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int runFacts(Context& context, const std::string& fact) {
  rpc::CallSpec spec =
      flaggedRequest(context, "rpcutil", "get_fact").args(Json{{"fact", fact}}).build();
  ProgressLine progress(!context.output().noProgress && !context.output().json);
  rpc::CallResult result = context.client().call(spec, progress.callback());
  progress.clear();
  std::map<std::string, std::vector<std::string>> byValue;
  CompletionCache cache(context.config().completionCache);
  for (const auto& reply : result.replies) {
    if (!reply.status.ok()) continue;
    Json value = reply.data.value("value", Json());
    byValue[valueText(value)].push_back(reply.sender);
    cache.addInventory(reply.sender, Json{{fact, value}}, Json::array());
  }
  cache.save();
  if (context.output().json) {
    std::printf("%s\n", Json(byValue).dump(2, ' ', false, Json::error_handler_t::replace).c_str());
    return exitCodeFor(result);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> rows(byValue.begin(),
                                                                     byValue.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::printf("Report for fact: %s\n\n", fact.c_str());
  for (const auto& [value, nodes] : rows) {
    std::printf("  %-40s found %zu times\n", value.c_str(), nodes.size());
    if (context.output().verbose) {
      for (const auto& node : nodes) std::printf("      %s\n", node.c_str());
    }
  }
  printSummary(stdout, result);
  if (result.replies.empty() && (!spec.nodes || spec.nodes->empty())) return kExitNoNodes;
  return exitCodeFor(result);
}

}  // namespace

void addFacts(Context& context, Command& chosen) {
  auto fact = std::make_shared<std::string>();
  CLI::App* command = context.app().add_subcommand("facts", "Show how a fact's values are spread");
  command->add_option("fact", *fact, "Fact name (dotted for nested facts: os.family)")->required();
  context.addDiscoveryFlags(*command);
  context.addOutputFlags(*command);
  command->callback([&context, &chosen, fact] {
    chosen = [&context, fact] { return runFacts(context, *fact); };
  });
}

}  // namespace drover::cli
