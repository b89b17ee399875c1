// What naming a burst costs the provisioner's single writer: 500 nodes of one service
// assigned one after the other into a table that already holds 10,000 names of other
// services (the "500 nodes of one service named at once"). One iteration is the
// whole burst; `per_assign` is its time over 500.
#include <benchmark/benchmark.h>

#include <string>

#include "core/naming/name_table.hpp"

namespace {

namespace naming = drover::naming;

constexpr int kOtherNames = 10'000;
constexpr int kBurst = 500;

// 100 iterative services of 100 nodes each (svc0-0 .. svc99-99).
naming::NameTable otherServices() {
  naming::NameTable table;
  for (int i = 0; i < kOtherNames; ++i) {
    naming::Declaration declaration{
        "svc" + std::to_string(i % 100), naming::ServiceType::Iterative, {}};
    table.assign("other-" + std::to_string(i), declaration, "10.1.0.1", 0);
  }
  return table;
}

void assignBurst(benchmark::State& state) {
  const naming::NameTable filled = otherServices();
  const naming::Declaration web{"web", naming::ServiceType::Iterative, {}};
  for (auto _ : state) {
    state.PauseTiming();
    naming::NameTable table = filled;
    state.ResumeTiming();
    for (int i = 0; i < kBurst; ++i) {
      auto outcome = table.assign("web-node-" + std::to_string(i), web, "10.2.0.1", 1);
      benchmark::DoNotOptimize(outcome);
    }
  }
  state.counters["per_assign"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kBurst,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(assignBurst)->Unit(benchmark::kMillisecond);

}  // namespace
