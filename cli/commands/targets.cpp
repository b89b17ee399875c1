#include <algorithm>
#include <random>

#include "cli/commands/commands.hpp"

namespace drover::cli {

std::vector<std::string> resolveTargets(Context& context, const std::string& agent) {
  // Checked before connecting, so a mistake in a flag is reported at once.
  const std::string filter = context.filterExpression();
  auto known = context.knownNodes();
  std::vector<std::string> nodes =
      known ? *known : context.client().discover(filter, agent, context.quiet(), context.timeout());
  const std::string& limit = context.discovery().limit;
  if (!limit.empty()) {
    std::size_t keep = 0;
    try {
      keep = rpc::parseLimit(limit, nodes.size());
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    // A random subset, as an operator sampling a fleet expects.
    std::shuffle(nodes.begin(), nodes.end(), std::mt19937(std::random_device{}()));
    nodes.resize(keep);
    std::sort(nodes.begin(), nodes.end());
  }
  return nodes;
}

rpc::CallBuilder flaggedRequest(Context& context, const std::string& agent,
                                const std::string& action) {
  rpc::CallBuilder builder = rpc::request(agent, action);
  builder
      .filter(context.filterExpression())
      // --limit samples the matching nodes, so they must be discovered first.
      .nodes(context.discovery().limit.empty()
                 ? context.knownNodes()
                 : std::optional<std::vector<std::string>>(resolveTargets(context, "")))
      .quiet(context.quiet())
      .timeout(context.timeout())
      .ttlFloor(context.config().ttl);
  return builder;
}

}  // namespace drover::cli
