#include "bench/flood/flood_run.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include "bench/support/harness.hpp"
#include "broker/stats_client.hpp"
#include "core/bus/topics.hpp"

namespace drover::bench::flood {
namespace {

using Clock = FloodChannel::Clock;

// A byte msgpack never uses: a message every build drops as malformed and logs.
const std::string kUndecodable = "\xc1";

double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::uintmax_t sizeOf(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

struct Snapshot {
  double nodeCpuMs = 0;
  double brokerCpuMs = 0;
  std::uintmax_t logSize = 0;
  std::uintmax_t auditSize = 0;
};

Snapshot snapshot(const FloodSetup& setup) {
  const FloodTarget& node = setup.nodes.front();
  return {processCpuMs(node.pid).value_or(0), processCpuMs(setup.brokerPid).value_or(0),
          sizeOf(node.log), sizeOf(node.auditLog)};
}

std::int64_t brokerMessagesIn(const FloodSetup& setup) {
  broker::StatsAnswer answer = broker::fetchStats(*setup.context, {setup.brokerControl, {}});
  if (!answer.stats) throw std::runtime_error("broker counters: " + answer.error);
  return answer.stats->value("messages_in", std::int64_t{0});
}

std::int64_t delta(const Json& after, const Json& before, const char* counter) {
  return after.value(counter, std::int64_t{0}) - before.value(counter, std::int64_t{0});
}

// What the node wrote since `offset`: lines about messages, and how many more it held
// back. A build that throttles those lines says so either on the next line it writes
// ("(N similar lines suppressed)") or on a line of its own once the window is over
// ("N more refused message(s) not logged ..."), which is about no message itself.
struct LogCount {
  std::int64_t lines = 0;
  std::int64_t suppressed = 0;
};

LogCount countLog(const std::filesystem::path& file, std::uintmax_t offset) {
  static const std::regex kOnLine(R"(\((\d+) similar lines suppressed\))");
  static const std::regex kOwnLine(R"((\d+) more refused message\(s\) not logged)");
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  LogCount count;
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_search(line, match, kOwnLine)) {
      count.suppressed += std::stoll(match[1]);
      continue;
    }
    ++count.lines;
    if (std::regex_search(line, match, kOnLine)) count.suppressed += std::stoll(match[1]);
  }
  return count;
}

// A signed ping to every node right behind the burst, timed to each reply.
void timePings(const FloodSetup& setup, Clock::time_point burstStart, RunResult& result) {
  auto sent = Clock::now();
  std::vector<std::string> ids;
  for (const auto& node : setup.nodes) ids.push_back(setup.channel->request(node.identity, "ping"));
  auto replies = setup.channel->awaitReplies({ids.begin(), ids.end()}, setup.pingTimeout);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto it = replies.find(ids[i]);
    if (it == replies.end()) continue;
    double ms = msBetween(sent, it->second.at);
    if (i == 0) {
      result.pingMs = ms;
      result.sinceBurstMs = msBetween(burstStart, it->second.at);
    } else {
      result.othersPingMs = std::max(result.othersPingMs.value_or(0), ms);
    }
  }
}

// Waits out the throttle window, then makes the node write one more refused line (and
// so report the lines it held back), and waits until it has.
LogCount countLoggedDrops(const FloodSetup& setup, std::uintmax_t logOffset) {
  const FloodTarget& node = setup.nodes.front();
  std::this_thread::sleep_for(setup.logWindow);
  setup.channel->publish(bus::nodeTopic(setup.collective, node.identity), Burst{{kUndecodable}, 1});
  std::string id = setup.channel->request(node.identity, "ping");
  if (setup.channel->awaitReplies({id}, setup.pingTimeout).empty()) {
    throw std::runtime_error(node.identity + " did not answer the counting ping");
  }
  return countLog(node.log, logOffset);
}

// What the node took off its socket, and what got lost on the way.
void account(const FloodSetup& setup, const Json& before, const Json& after, std::int64_t brokerIn,
             const std::optional<LogCount>& log, RunResult& result) {
  const std::int64_t counting = log ? 1 : 0;
  // Requests to nodes[0] after `before` read its counters: the ping, the counting ping,
  // the closing daemon_stats; replies: `before`'s own, and the two pings'.
  const std::int64_t probes = 2 + counting;
  result.decoded = delta(after, before, "total") - probes;
  result.garbageReplies = delta(after, before, "replies") - probes;
  if (log) result.logged = log->lines + log->suppressed - 1;  // less the counting line
  result.seen = (result.decoded > 0 || !result.logged) ? result.decoded : *result.logged;
  result.brokerIn = brokerIn;
  const auto sent = static_cast<std::int64_t>(result.sent - result.refusedByZmq);
  result.lost = sent - result.seen;
  if (result.route == Route::Broadcast && setup.nodes.size() > 1)
    return;  // others' replies unknown
  const auto nodes = static_cast<std::int64_t>(setup.nodes.size());
  std::int64_t ours = sent + nodes + 1 + 2 * counting;
  std::int64_t theirs = nodes + 1 + counting + result.garbageReplies;
  result.lostBeforeBroker = ours + theirs - brokerIn;
}

std::string topicOf(const FloodSetup& setup, Route route) {
  return route == Route::Node ? bus::nodeTopic(setup.collective, setup.nodes.front().identity)
                              : bus::broadcastTopic(setup.collective, "rpcutil");
}

}  // namespace

std::string_view toString(Route route) { return route == Route::Node ? "node" : "broadcast"; }

std::optional<Route> parseRoute(std::string_view name) {
  if (name == "node") return Route::Node;
  if (name == "broadcast") return Route::Broadcast;
  return std::nullopt;
}

RunResult runFlood(const FloodSetup& setup, Garbage kind, Route route, const Burst& burst) {
  const FloodTarget& node = setup.nodes.front();
  RunResult result;
  result.kind = kind;
  result.route = route;
  result.sent = burst.count;
  result.bytes = burst.bytes();
  Json before = setup.channel->call(node.identity, "daemon_stats", setup.pingTimeout);
  std::int64_t brokerBefore = brokerMessagesIn(setup);
  Snapshot start = snapshot(setup);
  auto burstStart = Clock::now();
  result.refusedByZmq = setup.channel->publish(topicOf(setup, route), burst);
  result.publishMs = msBetween(burstStart, Clock::now());
  timePings(setup, burstStart, result);
  Snapshot end = snapshot(setup);
  result.nodeCpuMs = end.nodeCpuMs - start.nodeCpuMs;
  result.brokerCpuMs = end.brokerCpuMs - start.brokerCpuMs;
  result.logBytes = end.logSize - start.logSize;
  result.auditBytes = end.auditSize - start.auditSize;
  if (!result.pingMs) {
    // Lost at a high-water mark behind a burst larger than it, or the node is stuck:
    // the counting pass tells which (its ping fails too only for a stuck node).
    result.error = "no reply to the ping within " + std::to_string(setup.pingTimeout.count()) +
                   " ms of the burst (counts may be off by that one ping)";
  }
  std::optional<LogCount> log;
  if (setup.logWindow.count() > 0) log = countLoggedDrops(setup, start.logSize);
  Json after = setup.channel->call(node.identity, "daemon_stats", setup.pingTimeout);
  account(setup, before, after, brokerMessagesIn(setup) - brokerBefore, log, result);
  return result;
}

Json RunResult::toJson() const {
  auto optional = [](const auto& value) { return value ? Json(*value) : Json(nullptr); };
  return Json{{"kind", std::string(flood::toString(kind))},
              {"route", std::string(flood::toString(route))},
              {"sent", sent},
              {"refused_by_zmq", refusedByZmq},
              {"bytes", bytes},
              {"publish_ms", publishMs},
              {"ping_ms", optional(pingMs)},
              {"since_burst_ms", optional(sinceBurstMs)},
              {"others_ping_ms", optional(othersPingMs)},
              {"node_cpu_ms", nodeCpuMs},
              {"broker_cpu_ms", brokerCpuMs},
              {"log_bytes", logBytes},
              {"audit_bytes", auditBytes},
              {"decoded", decoded},
              {"logged", optional(logged)},
              {"seen", seen},
              {"garbage_replies", garbageReplies},
              {"broker_messages_in", brokerIn},
              {"lost", lost},
              {"lost_before_broker", optional(lostBeforeBroker)},
              {"error", error.empty() ? Json(nullptr) : Json(error)}};
}

}  // namespace drover::bench::flood
