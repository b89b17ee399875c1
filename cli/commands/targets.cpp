#include <algorithm>
#include <random>

#include "cli/commands/commands.hpp"
#include "cli/name_resolution.hpp"

namespace drover::cli {
namespace {

// The nodes the flags name: a node list as written; exact -I values, which may be names,
// resolved to the identities behind them.
std::optional<std::vector<std::string>> namedNodes(Context& context) {
  auto known = context.knownNodes();
  if (!known || !context.exactIdentitiesOnly()) return known;
  return resolveIdentities(context, *known);
}

}  // namespace

std::string requestFilter(Context& context) {
  const std::string filter = context.filterExpression();
  // The targets carry the resolved identities: an identity() filter on a name would
  // refuse the call on a node renamed since the resolution.
  return context.exactIdentitiesOnly() ? std::string() : filter;
}

std::vector<std::string> resolveTargets(Context& context, const std::string& agent) {
  // Checked before connecting, so a mistake in a flag is reported at once.
  const std::string filter = context.filterExpression();
  auto known = namedNodes(context);
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
      .filter(requestFilter(context))
      // --limit samples the matching nodes, so they must be discovered first.
      .nodes(context.discovery().limit.empty()
                 ? namedNodes(context)
                 : std::optional<std::vector<std::string>>(resolveTargets(context, "")))
      .quiet(context.quiet())
      .timeout(context.timeout())
      .ttlFloor(context.config().ttl);
  return builder;
}

}  // namespace drover::cli
