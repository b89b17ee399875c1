#pragma once
// The RPC measurements, each repeated and timed from just before Client::call (so
// encoding and publishing the request count) to the moment that matters:
//   - ping, direct: the known set is every node; the call ends at the last reply.
//   - ping, broadcast: a fact filter every node matches, no known set; timed to the
//     N-th reply (the progress callback), the quiet window that follows is not counted.
//   - get_fact, shard=3: a fact-filtered broadcast reaching a tenth of the fleet, timed
//     to the last of the expected replies.
//   - discovery as the CLI does it: broadcast rpcutil ping ending after a quiet window;
//     the whole wall time counts, quiet window included.
//   - registry then ping: a registry lookup and the direct call to what it found; the
//     whole wall time counts.
// A repetition that misses an expected node counts as incomplete and adds no sample.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "bench/rpc/stats.hpp"
#include "core/rpc/client.hpp"

namespace drover::bench {

struct ScenarioResult {
  std::string name;          // machine name ("ping_direct")
  std::string title;         // for the table
  std::size_t expected = 0;  // replies a complete repetition has
  std::size_t repeat = 0;
  std::size_t incomplete = 0;
  std::size_t fewestReplies = 0;  // among incomplete repetitions
  Summary timing;                 // the scenario's measure (see above)
  Summary firstReply;             // call start to the first reply
  Summary publish;                // known sets: encoding and queueing every request
  // CPU time per call (warm-up included), by process, in ms: where a call's work goes.
  // Filled by the caller, which knows the processes; all zero when not measured.
  struct Cpu {
    double client = 0;      // this process: encoding, signing, collecting, verifying
    double simulators = 0;  // every drover-fleet-sim together: the nodes' work
    double broker = 0;
  } cpu;
};

struct ScenarioOptions {
  std::size_t repeat = 50;
  std::size_t warmup = 3;                    // untimed repetitions first
  std::chrono::milliseconds quiet{150};      // broadcast quiet window (the CLI's default)
  std::chrono::milliseconds timeout{10000};  // longest wait per call
  std::vector<Json>* trace = nullptr;        // when set: one object per timed call
};

ScenarioResult pingDirect(rpc::Client& client, const std::vector<std::string>& nodes,
                          const ScenarioOptions& options);
ScenarioResult pingBroadcast(rpc::Client& client, std::size_t nodes,
                             const ScenarioOptions& options);
ScenarioResult factFilteredRpc(rpc::Client& client, std::size_t expected,
                               const ScenarioOptions& options);
ScenarioResult discovery(rpc::Client& client, std::size_t nodes, const ScenarioOptions& options);
/// Discovery from the registry as `drover --dm registry` does it: one registry#find for a
/// filter every node matches, then a ping of the found set carrying the filter, timed from
/// the lookup to the last reply.
ScenarioResult registryPing(rpc::Client& client, std::size_t nodes, const ScenarioOptions& options);

/// `count` direct pings to one node, one after the other (droverd under light load).
ScenarioResult pingOne(rpc::Client& client, const std::string& node, std::size_t count,
                       const ScenarioOptions& options);

}  // namespace drover::bench
