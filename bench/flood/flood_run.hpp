#pragma once
// One measured flood: a burst of one kind of garbage on one topic, then a signed ping
// through the same socket, and what the burst cost the node (see README.md):
//
//   1. rpcutil daemon_stats (counters before); the broker's counters; the node's and
//      the broker's CPU time, the sizes of the node's log and audit log
//   2. the burst, as fast as ZeroMQ queues it; then a signed rpcutil ping to every node
//   3. the replies: ping time; CPU, log and audit log growth read at once
//   4. counting: after the node's refused-line throttle window (10 s) one more
//      undecodable message and a ping, so that the node has reported how many lines
//      it held back; then daemon_stats and the broker's counters again
//
// What the node took off its socket is counted twice over: `decoded` from the stats
// counter `total` (every message that decoded as an envelope), `logged` from its log
// (one line per refused message, or the lines written plus the counts of lines held
// back, for a build that throttles them). A kind one build cannot decode is seen
// through the log alone.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>
#include <zmq.hpp>

#include "bench/flood/flood_channel.hpp"
#include "bench/flood/garbage.hpp"
#include "core/util/json.hpp"

namespace drover::bench::flood {

/// Where the burst goes: the node's own topic, or rpcutil's broadcast topic (every node).
enum class Route { Node, Broadcast };
std::string_view toString(Route route);
std::optional<Route> parseRoute(std::string_view name);

/// One real droverd.
struct FloodTarget {
  std::string identity;
  pid_t pid = -1;
  std::filesystem::path log;
  std::filesystem::path auditLog;
};

struct FloodSetup {
  FloodChannel* channel = nullptr;
  zmq::context_t* context = nullptr;  // for the broker's control socket
  std::vector<FloodTarget> nodes;     // nodes[0] is flooded on its own topic and measured
  pid_t brokerPid = -1;
  std::string brokerControl;  // control endpoint, for its counters
  std::string collective = "drover";
  std::chrono::milliseconds pingTimeout{60000};
  std::chrono::milliseconds logWindow{10100};  // 0: no counting pass
};

struct RunResult {
  Garbage kind = Garbage::Random;
  Route route = Route::Node;
  std::size_t sent = 0;
  std::size_t refusedByZmq = 0;
  std::size_t bytes = 0;
  double publishMs = 0;
  std::optional<double> pingMs;        // ping published -> its reply (nodes[0])
  std::optional<double> sinceBurstMs;  // burst start -> that reply
  std::optional<double> othersPingMs;  // slowest reply of the other nodes
  double nodeCpuMs = 0;
  double brokerCpuMs = 0;
  std::uintmax_t logBytes = 0;
  std::uintmax_t auditBytes = 0;
  std::int64_t decoded = 0;                      // stats `total` delta, less the probes
  std::optional<std::int64_t> logged;            // from the log; empty without counting pass
  std::int64_t seen = 0;                         // decoded, or logged when nothing decoded
  std::int64_t garbageReplies = 0;               // stats `replies` delta, less the probes'
  std::int64_t brokerIn = 0;                     // broker `messages_in` delta
  std::optional<std::int64_t> lostBeforeBroker;  // what we sent that the broker never got
  std::int64_t lost = 0;                         // sent (and queued) - seen: lost anywhere
  std::string error;                             // the run could not finish: why
  Json toJson() const;
};

/// Runs one flood of `burst` on `route`. A ping after the burst that gets no reply is
/// reported in `error`; throws std::runtime_error when the node does not answer
/// daemon_stats or the counting ping, or the broker its counters.
RunResult runFlood(const FloodSetup& setup, Garbage kind, Route route, const Burst& burst);

}  // namespace drover::bench::flood
