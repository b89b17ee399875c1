// What the live page costs the provisioner (provisioner/web/). nodeChanged runs inside the
// engine's lock on every saved change of a node, so it must stay far below a step's
// cost; a stream's delta runs at each wake (at most every 150 ms per viewer); the snapshot
// once per viewer connecting (the rows are kept as text, so it is a copy under the lock).
// Each at 5,000 and 50,000 nodes; `bytes` is the snapshot's rows as sent.
#include <benchmark/benchmark.h>

#include "provisioner/web/live_state.hpp"

namespace {

namespace provisioner = drover::provisioner;
using drover::provisioner::web::LiveState;

provisioner::NodeRecord record(int i, int step) {
  provisioner::NodeRecord r;
  r.identity = "node-" + std::to_string(i);
  r.state = provisioner::NodeState::Running;
  r.stepName = step % 2 == 0 ? "bootstrap_run" : "production_run";
  r.master = i % 2 == 0 ? "puppet-eu-west-1" : "puppet-us-east-1";
  r.updatedMs = 1700000000000 + step;
  r.lastError = step % 7 == 0 ? "puppet agent exited 1: could not retrieve catalog" : "";
  return r;
}

void fill(LiveState& state, int nodes) {
  for (int i = 0; i < nodes; ++i) state.nodeChanged(record(i, 0));
}

void liveNodeChanged(benchmark::State& bench) {
  LiveState state;
  const int nodes = static_cast<int>(bench.range(0));
  fill(state, nodes);
  int i = 0;
  for (auto _ : bench) {
    state.nodeChanged(record(i % nodes, i));
    ++i;
  }
}
BENCHMARK(liveNodeChanged)->Arg(5000)->Arg(50000);

// The delta a stream sends after ten nodes moved on.
void liveChangesSince(benchmark::State& bench) {
  LiveState state;
  const int nodes = static_cast<int>(bench.range(0));
  fill(state, nodes);
  int i = 0;
  for (auto _ : bench) {
    bench.PauseTiming();
    std::uint64_t seen = state.version();
    for (int k = 0; k < 10; ++k, ++i) state.nodeChanged(record(i % nodes, i));
    bench.ResumeTiming();
    auto changes = state.changesSince(seen);
    benchmark::DoNotOptimize(changes.rows);
  }
}
BENCHMARK(liveChangesSince)->Arg(5000)->Arg(50000);

void liveSnapshot(benchmark::State& bench) {
  LiveState state;
  const int nodes = static_cast<int>(bench.range(0));
  fill(state, nodes);
  std::size_t bytes = 0;
  for (auto _ : bench) {
    std::string text = state.changesSince(0).rows;
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  bench.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(liveSnapshot)->Arg(5000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace
