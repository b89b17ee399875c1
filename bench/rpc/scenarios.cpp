#include "bench/rpc/scenarios.hpp"

#include <functional>
#include <optional>

#include "bench/fleet/request_trace.hpp"
#include "core/registry/lookup.hpp"
#include "core/rpc/call_builder.hpp"
#include "core/util/clock.hpp"

namespace drover::bench {
namespace {

using Clock = util::SteadyClock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// What one repetition saw. `ms` is empty when it missed an expected reply.
struct Outcome {
  std::optional<double> ms;
  std::size_t replies = 0;
  std::optional<double> firstMs;
  std::optional<double> publishMs;
};

using Attempt = std::function<Outcome()>;

ScenarioResult named(std::string name, std::string title, std::size_t expected) {
  ScenarioResult result;
  result.name = std::move(name);
  result.title = std::move(title);
  result.expected = expected;
  return result;
}

ScenarioResult measure(ScenarioResult result, const ScenarioOptions& options,
                       const Attempt& attempt) {
  for (std::size_t i = 0; i < options.warmup; ++i) (void)attempt();
  std::vector<double> samples, first, publish;
  result.fewestReplies = result.expected;
  for (std::size_t i = 0; i < options.repeat; ++i) {
    Outcome outcome = attempt();
    if (outcome.firstMs) first.push_back(*outcome.firstMs);
    if (outcome.publishMs) publish.push_back(*outcome.publishMs);
    if (outcome.ms) {
      samples.push_back(*outcome.ms);
      continue;
    }
    ++result.incomplete;
    result.fewestReplies = std::min(result.fewestReplies, outcome.replies);
  }
  result.repeat = options.repeat;
  result.timing = summarize(samples);
  result.firstReply = summarize(first);
  result.publish = summarize(publish);
  return result;
}

rpc::CallBuilder request(std::string action, std::string filter, const ScenarioOptions& options) {
  return rpc::request("rpcutil", std::move(action))
      .filter(std::move(filter))
      .quiet(options.quiet)
      .timeout(options.timeout);
}

// The call as the simulators' traces see it: wall-clock start, reply arrival offsets.
void traceCall(const ScenarioOptions& options, const rpc::CallSpec& call,
               const rpc::CallResult& result, std::int64_t startUs,
               const std::vector<double>& arrivalsMs, double wallMs) {
  if (options.trace == nullptr) return;
  Json arrivals = Json::array();
  for (double ms : arrivalsMs) arrivals.push_back(static_cast<std::int64_t>(ms * 1000));
  options.trace->push_back(Json{{"id", result.requestId},
                                {"action", call.action},
                                {"filter", call.filter},
                                {"direct", call.nodes.has_value()},
                                {"start_us", startUs},
                                {"wall_us", static_cast<std::int64_t>(wallMs * 1000)},
                                {"collect_us", result.elapsed.count()},
                                {"arrivals_us", arrivals}});
}

// Times one call: its wall time, the first reply and the `nth` reply.
Outcome timedCall(rpc::Client& client, const rpc::CallSpec& call, std::size_t nth,
                  const ScenarioOptions& options) {
  Outcome outcome;
  std::optional<double> nthMs;
  std::vector<double> arrivals;
  std::int64_t startUs = wallMicros();
  auto start = Clock::now();
  rpc::CallResult result =
      client.call(call, [&](const rpc::NodeReply&, std::size_t count, std::size_t) {
        double ms = msSince(start);
        if (options.trace) arrivals.push_back(ms);
        if (count == 1) outcome.firstMs = ms;
        if (count == nth) nthMs = ms;
      });
  double wall = msSince(start);
  traceCall(options, call, result, startUs, arrivals, wall);
  outcome.replies = result.replies.size();
  bool complete =
      result.replies.size() == nth && result.noReply.empty() && result.failedCount() == 0;
  if (call.nodes) {
    // Client::call times collection only; what precedes it is encoding and publishing.
    outcome.publishMs = wall - std::chrono::duration<double, std::milli>(result.elapsed).count();
    if (complete) outcome.ms = wall;  // a known set ends at its last reply
  } else if (complete) {
    outcome.ms = nthMs;  // the quiet window after the n-th reply is not counted
  }
  return outcome;
}

}  // namespace

ScenarioResult pingDirect(rpc::Client& client, const std::vector<std::string>& nodes,
                          const ScenarioOptions& options) {
  rpc::CallSpec call = request("ping", "", options).nodes(nodes).build();
  return measure(named("ping_direct", "ping, known set (direct), to last reply", nodes.size()),
                 options, [&] { return timedCall(client, call, call.nodes->size(), options); });
}

ScenarioResult pingBroadcast(rpc::Client& client, std::size_t nodes,
                             const ScenarioOptions& options) {
  rpc::CallSpec call =
      request("ping", "index>=0", options).build();  // matches every simulated node
  return measure(named("ping_broadcast", "ping, filtered broadcast, to N-th reply", nodes), options,
                 [&] { return timedCall(client, call, nodes, options); });
}

ScenarioResult factFilteredRpc(rpc::Client& client, std::size_t expected,
                               const ScenarioOptions& options) {
  rpc::CallSpec call =
      request("get_fact", "shard=3", options).args(Json{{"fact", "region"}}).build();
  return measure(named("get_fact_shard3", "get_fact region, shard=3, to last expected", expected),
                 options, [&] { return timedCall(client, call, expected, options); });
}

ScenarioResult discovery(rpc::Client& client, std::size_t nodes, const ScenarioOptions& options) {
  auto attempt = [&] {
    Outcome outcome;
    auto start = Clock::now();
    outcome.replies = client.discover("", "rpcutil", options.quiet, options.timeout).size();
    if (outcome.replies == nodes) outcome.ms = msSince(start);
    return outcome;
  };
  return measure(
      named("discovery",
            "discovery (quiet " + std::to_string(options.quiet.count()) + " ms), wall time", nodes),
      options, attempt);
}

ScenarioResult pingOne(rpc::Client& client, const std::string& node, std::size_t count,
                       const ScenarioOptions& options) {
  rpc::CallSpec call = request("ping", "", options).nodes(std::vector<std::string>{node}).build();
  ScenarioOptions repeated = options;
  repeated.repeat = count;
  repeated.warmup = 0;
  return measure(named("droverd_ping", "droverd: one node, sequential pings", 1), repeated,
                 [&] { return timedCall(client, call, call.nodes->size(), options); });
}

ScenarioResult registryPing(rpc::Client& client, std::size_t nodes,
                            const ScenarioOptions& options) {
  const std::string filter = "index>=0";  // matches every simulated node
  auto attempt = [&] {
    Outcome outcome;
    auto start = Clock::now();
    registry::Lookup found;
    try {
      found = registry::lookup(client, filter, "", options.timeout);
    } catch (const registry::LookupError&) {
      return outcome;
    }
    rpc::CallSpec call = request("ping", filter, options).nodes(found.nodes).build();
    rpc::CallResult result =
        client.call(call, [&](const rpc::NodeReply&, std::size_t count, std::size_t) {
          if (count == 1) outcome.firstMs = msSince(start);
        });
    double wall = msSince(start);
    outcome.replies = result.replies.size();
    if (result.replies.size() == nodes && result.noReply.empty() && result.failedCount() == 0) {
      outcome.ms = wall;
    }
    return outcome;
  };
  return measure(
      named("registry_ping", "registry lookup + ping of the found set, to last reply", nodes),
      options, attempt);
}

}  // namespace drover::bench
