#include <algorithm>
#include <cstdio>
#include <random>

#include "cli/commands/commands.hpp"
#include "cli/completion_cache.hpp"
#include "cli/name_resolution.hpp"
#include "core/registry/lookup.hpp"
#include "core/util/clock.hpp"

namespace drover::cli {
namespace {

// The nodes the flags name: a node list as written; exact -I values, which may be names,
// resolved to the identities behind them.
std::optional<std::vector<std::string>> namedNodes(Context& context) {
  auto known = context.knownNodes();
  if (!known || !context.exactIdentitiesOnly()) return known;
  return resolveIdentities(context, *known);
}

std::string ago(std::int64_t ms) {
  const std::int64_t seconds = std::max<std::int64_t>(0, (util::nowMs() - ms) / 1000);
  if (seconds < 120) return std::to_string(seconds) + " s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min ago";
  return std::to_string(seconds / 3600) + " h ago";
}

// The matching nodes the registry holds fresh; the stale ones are said on stderr, not
// asked (they stopped registering: asking them would only wait for the timeout).
std::vector<std::string> registryNodes(Context& context, const std::string& agent) {
  const std::string filter = context.filterExpression();
  registry::Lookup found;
  try {
    found = registry::lookup(context.client(), filter, agent, context.config().registryTimeout);
  } catch (const registry::LookupError& e) {
    throw std::runtime_error("--dm registry: " + std::string(e.what()));
  }
  if (!found.stale.empty()) {
    constexpr std::size_t kNamed = 10;
    std::string names;
    for (std::size_t i = 0; i < found.stale.size() && i < kNamed; ++i) {
      names += (i ? ", " : "") + found.stale[i].identity + " (last registered " +
               ago(found.stale[i].lastSeenMs) + ")";
    }
    if (found.stale.size() > kNamed) {
      names += " and " + std::to_string(found.stale.size() - kNamed) + " more";
    }
    std::fprintf(stderr, "drover: not asked, gone quiet in registry %s: %s\n",
                 found.registry.c_str(), names.c_str());
  }
  return found.nodes;
}

// The nodes a request goes to directly: those the flags name, or those the registry
// finds (--dm registry); std::nullopt: a broadcast of the filter finds them.
std::optional<std::vector<std::string>> addressedNodes(Context& context, const std::string& agent) {
  const std::string method = context.discoveryMethod();  // refuses a --dm the flags contradict
  auto named = namedNodes(context);
  if (named || method != "registry") return named;
  return registryNodes(context, agent);
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
  auto known = addressedNodes(context, agent);
  const int dt = context.discovery().discoveryTimeout;
  std::vector<std::string> nodes =
      known ? *known
            : context.client().discover(filter, agent, context.quiet(),
                                        dt > 0 ? std::chrono::seconds(dt) : context.timeout());
  if (!known) {
    CompletionCache cache(context.config().completionCache);
    cache.addIdentities(nodes);
    cache.save();
  }
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
                 ? addressedNodes(context, agent)
                 : std::optional<std::vector<std::string>>(resolveTargets(context, agent)))
      .quiet(context.quiet())
      .timeout(context.timeout())
      .ttlFloor(context.config().ttl);
  return builder;
}

}  // namespace drover::cli
