// drover plugin doc AGENT: an agent's documentation, straight from its DDL.
#include "cli/commands/commands.hpp"
#include "core/ddl/plugin_doc.hpp"

namespace drover::cli {
namespace {

int runPluginDoc(Context& context, const std::string& agent) {
  const ddl::Ddl* ddl = context.ddls().find(agent);
  if (ddl == nullptr) {
    std::string known;
    for (const auto& name : context.ddls().agents()) known += (known.empty() ? "" : ", ") + name;
    throw UsageError("no DDL for agent '" + agent + "' (known: " + known + ")");
  }
  std::printf("%s", ddl::pluginDoc(*ddl).c_str());
  return kExitOk;
}

}  // namespace

void addPlugin(Context& context, Command& chosen) {
  auto agent = std::make_shared<std::string>();
  CLI::App* plugin = context.app().add_subcommand("plugin", "Agent documentation");
  plugin->require_subcommand(1);
  CLI::App* doc = plugin->add_subcommand("doc", "Print an agent's documentation from its DDL");
  doc->add_option("agent", *agent, "Agent name")->required();
  doc->callback([&context, &chosen, agent] {
    chosen = [&context, agent] { return runPluginDoc(context, *agent); };
  });
}

}  // namespace drover::cli
