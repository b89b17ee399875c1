#pragma once
// What drover-rpc-bench measured, as a table for people and JSON for tools. Targets
// are printed beside the numbers they concern; nothing here passes or fails a run.
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/rpc/scenarios.hpp"
#include "core/util/json.hpp"

namespace drover::bench {

/// 1,000 replies within this median (DESIGN.md targets for the fleet benchmark).
inline constexpr double kTargetThousandRepliesMs = 100.0;
/// 10,000 replies within this median, security off (the bus past one machine, NATS).
inline constexpr double kTargetTenThousandRepliesMs = 500.0;
/// Idle droverd resident memory, in bytes (6 MB, the performance issue's target; PSS too).
inline constexpr long kTargetIdleRssBytes = 6L * 1000 * 1000;
/// 100 idle droverd together at most this share of one core, in percent.
inline constexpr double kTargetIdleCpuPercent = 0.1;
/// Security may at most double the 1,000-node ping's median (issue 3, "Benchmark").
inline constexpr double kTargetSecurityRatio = 2.0;
/// Registry discovery + call at most this many times the direct call to the same nodes.
inline constexpr double kTargetRegistryRatio = 1.2;

struct SizeRun {
  std::size_t nodes = 0;
  bool secure = false;  // requests signed, nodes verify, authorize, audit and sign
  std::size_t simulators = 0;
  long long startupMs = 0;  // simulators started until every node passed its probe
  long simulatorRssKb = 0;  // VmRSS of every simulator, summed, after the scenarios
  // The bus server's (drover-broker's or nats-server's) VmRSS before the fleet connects,
  // once every node is connected, and after the scenarios: what each connection costs it.
  long busEmptyRssKb = 0;
  long busReadyRssKb = 0;
  long busAfterRssKb = 0;
  std::vector<ScenarioResult> scenarios;
};

struct DaemonMemory {
  long idleRssKb = 0;   // VmRSS once ready + settle time
  long idleAnonKb = 0;  // of which anonymous (heap, stacks): the daemon's own
  long idleFileKb = 0;  // of which file pages (executable, shared libraries)
  // VmRSS once ready, by mapping (the program, each library, heap...), largest first.
  std::vector<std::pair<std::string, long>> idleByMapping;
  // drover-rss-floor's VmRSS: libzmq, OpenSSL and libsodium used at their least, without
  // Drover; -1 when not measured.
  long floorRssKb = -1;
  long afterPingsRssKb = 0;  // VmRSS after answering the pings
  long peakRssKb = 0;        // VmHWM at the end
  long threads = 0;
  long settleMs = 0;
  ScenarioResult pings;
};

/// Many real droverd left alone on one bus: what a node costs while nothing happens.
struct IdleDaemons {
  std::size_t daemons = 0;
  double seconds = 0;           // the window measured, once every daemon was ready
  double cpuPercentOfCore = 0;  // all the daemons together
  double wakeupsPerSecond = 0;  // context switches per daemon per second
  long meanRssKb = 0;           // at the end of the window
  long meanPssKb = 0;
};

struct BenchReport {
  Json environment = Json::object();  // cpus, kernel, flags of this run
  std::vector<SizeRun> sizes;
  std::optional<DaemonMemory> daemon;
  std::optional<IdleDaemons> idle;
};

/// One scenario measured both plain and secure at one fleet size.
struct SecurityCost {
  std::size_t nodes = 0;
  std::string scenario;
  Summary plain;
  Summary secure;
  double medianRatio() const { return plain.median > 0 ? secure.median / plain.median : 0; }
  double p99Ratio() const { return plain.p99 > 0 ? secure.p99 / plain.p99 : 0; }
};

/// Every scenario with complete samples in both a plain and a secure run of one size.
std::vector<SecurityCost> securityCosts(const BenchReport& report);

void printTable(std::FILE* out, const BenchReport& report);
Json toJson(const BenchReport& report);

}  // namespace drover::bench
