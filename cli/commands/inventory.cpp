// drover inventory NODE: everything one node says about itself.
#include "cli/commands/commands.hpp"
#include "cli/completion_cache.hpp"
#include "cli/output.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

std::string scalar(const Json& value) {
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void printInventory(const std::string& node, const Json& data) {
  std::printf("Inventory for %s:\n\n", node.c_str());
  std::printf("   Server Version: %s\n", data.value("version", "").c_str());
  std::printf("  Main Collective: %s\n", data.value("main_collective", "").c_str());
  std::printf("      Collectives: %s\n", scalar(data.value("collectives", Json::array())).c_str());
  std::string security = data.value("security", "unknown");
  std::printf("         Security: %s%s\n\n", security.c_str(),
              security == "disabled" ? "  (WARNING: this node runs any request from anyone)" : "");
  std::printf("   Agents:\n");
  const Json agents = data.value("agents", Json::array());
  for (const auto& agent : agents) {
    std::printf("      %-20s %-10s %s\n", agent.value("agent", "").c_str(),
                agent.value("version", "").c_str(), agent.value("description", "").c_str());
  }
  std::printf("\n   Classes:\n");
  const Json classes = data.value("classes", Json::array());
  for (const auto& cls : classes) {
    std::printf("      %s\n", scalar(cls).c_str());
  }
  std::printf("\n   Facts:\n");
  const Json facts = data.value("facts", Json::object());
  for (const auto& [name, value] : facts.items()) {
    std::printf("      %s => %s\n", name.c_str(), scalar(value).c_str());
  }
}

int runInventory(Context& context, const std::string& node) {
  rpc::CallSpec spec = rpc::request("rpcutil", "inventory")
                           .nodes(std::vector<std::string>{node})
                           .timeout(context.timeout())
                           .ttlFloor(context.config().ttl)
                           .build();
  rpc::CallResult result = context.client().call(spec);
  if (context.output().json) {
    printJson(stdout, result, nullptr);
    return exitCodeFor(result);
  }
  if (result.replies.empty()) {
    std::fprintf(stderr, "%s did not answer within %lld ms\n", node.c_str(),
                 static_cast<long long>(spec.timeout.count()));
    return kExitFailed;
  }
  const auto& reply = result.replies.front();
  if (!reply.status.ok()) {
    std::fprintf(stderr, "%s: %s\n", node.c_str(), reply.status.message.c_str());
    return kExitFailed;
  }
  CompletionCache cache(context.config().completionCache);
  cache.addInventory(node, reply.data.value("facts", Json::object()),
                     reply.data.value("classes", Json::array()));
  cache.save();
  printInventory(node, reply.data);
  return kExitOk;
}

}  // namespace

void addInventory(Context& context, Command& chosen) {
  auto node = std::make_shared<std::string>();
  CLI::App* command =
      context.app().add_subcommand("inventory", "Show one node's agents, facts and classes");
  command->add_option("node", *node, "Identity of the node")->required()->check(identityCheck());
  context.addOutputFlags(*command);
  command->callback([&context, &chosen, node] {
    chosen = [&context, node] { return runInventory(context, *node); };
  });
}

}  // namespace drover::cli
