#include "bench/rpc/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace drover::bench {
namespace {

constexpr std::size_t kMappingsShown = 8;  // in the table; the JSON has every one

Json mappingsJson(const std::vector<std::pair<std::string, long>>& mappings) {
  Json out = Json::array();
  for (const auto& [name, kib] : mappings) out.push_back({{"mapping", name}, {"rss_kib", kib}});
  return out;
}

// The reply targets concern the two pings that reach a whole fleet: of 1,000, or of
// 10,000 with security off.
std::string targetNote(const SizeRun& run, const ScenarioResult& scenario) {
  if (scenario.name == "registry_ping") {
    auto direct = std::find_if(run.scenarios.begin(), run.scenarios.end(),
                               [](const ScenarioResult& s) { return s.name == "ping_direct"; });
    if (direct == run.scenarios.end() || direct->timing.samples == 0 ||
        scenario.timing.samples == 0) {
      return "";
    }
    double ratio = scenario.timing.median / direct->timing.median;
    return fmt::format("{:.2f}x direct, < {:.1f}x: {}", ratio, kTargetRegistryRatio,
                       ratio < kTargetRegistryRatio ? "met" : "MISSED");
  }
  bool concerned = run.nodes >= 1000 && scenario.expected >= 1000 &&
                   (scenario.name == "ping_direct" || scenario.name == "ping_broadcast");
  if (!concerned || scenario.timing.samples == 0) return "";
  if (scenario.expected >= 10000 && run.secure) return "";
  double target =
      scenario.expected >= 10000 ? kTargetTenThousandRepliesMs : kTargetThousandRepliesMs;
  bool met = scenario.timing.median < target;
  return fmt::format("< {:.0f} ms: {}", target, met ? "met" : "MISSED");
}

std::string incompleteText(const ScenarioResult& s) {
  std::string text = fmt::format("{}/{}", s.incomplete, s.repeat);
  if (s.incomplete > 0) text += fmt::format(" (>={})", s.fewestReplies);
  return text;
}

void printRow(std::FILE* out, std::size_t nodes, const ScenarioResult& s, const std::string& note) {
  auto median = [](const Summary& summary) {
    return summary.samples ? fmt::format("{:.2f}", summary.median) : std::string("-");
  };
  fmt::print(out, "{:>6}  {:<44} {:>6} {:>9.2f} {:>9.2f} {:>8.2f} {:>8.2f} {:>8} {:>8} {:>12} {}\n",
             nodes, s.title, s.expected, s.timing.median, s.timing.p99, s.timing.min, s.timing.max,
             median(s.firstReply), median(s.publish), incompleteText(s), note);
}

void printDaemon(std::FILE* out, const DaemonMemory& d) {
  double idleMb = static_cast<double>(d.idleRssKb) * 1024.0 / 1e6;
  bool met = static_cast<long>(d.idleRssKb) * 1024 < kTargetIdleRssBytes;
  fmt::print(out, "\ndroverd (one real daemon, default DDLs, built-in facts)\n");
  fmt::print(out,
             "  idle RSS, ready + {} ms:      {:>7} KiB = {:.2f} MB   target < {:.0f} MB: {}\n",
             d.settleMs, d.idleRssKb, idleMb, static_cast<double>(kTargetIdleRssBytes) / 1e6,
             met ? "met" : "MISSED");
  fmt::print(out, "    of which anonymous {} KiB, file-backed (program, libraries) {} KiB\n",
             d.idleAnonKb, d.idleFileKb);
  std::string largest;
  for (std::size_t i = 0; i < std::min<std::size_t>(kMappingsShown, d.idleByMapping.size()); ++i) {
    largest += fmt::format("{}{} {}", i == 0 ? "" : ", ", d.idleByMapping[i].first,
                           d.idleByMapping[i].second);
  }
  if (!largest.empty()) fmt::print(out, "    largest, KiB: {}\n", largest);
  if (d.floorRssKb >= 0) {
    fmt::print(out,
               "  libzmq + OpenSSL + libsodium alone, used at their least (drover-rss-floor): "
               "{} KiB = {:.2f} MB\n",
               d.floorRssKb, static_cast<double>(d.floorRssKb) * 1024.0 / 1e6);
  }
  fmt::print(out, "  RSS after {} pings:         {:>7} KiB = {:.2f} MB\n", d.pings.repeat,
             d.afterPingsRssKb, static_cast<double>(d.afterPingsRssKb) * 1024.0 / 1e6);
  fmt::print(out, "  peak RSS (VmHWM):             {:>7} KiB;  threads: {}\n", d.peakRssKb,
             d.threads);
  fmt::print(out,
             "  ping round trip, one node:    median {:.3f} ms, p99 {:.3f} ms, incomplete {}\n",
             d.pings.timing.median, d.pings.timing.p99, d.pings.incomplete);
}

void printIdle(std::FILE* out, const IdleDaemons& idle) {
  fmt::print(out, "\n{} idle droverd (security on, default registration interval), {:.0f} s\n",
             idle.daemons, idle.seconds);
  fmt::print(out,
             "  CPU, all together:            {:.3f}% of a core   target < {:.1f}% for 100: {}\n",
             idle.cpuPercentOfCore, kTargetIdleCpuPercent,
             idle.cpuPercentOfCore < kTargetIdleCpuPercent ? "met" : "MISSED");
  fmt::print(out, "  wake-ups (context switches):  {:.3f} per daemon per second\n",
             idle.wakeupsPerSecond);
  fmt::print(out, "  memory per daemon:            RSS {} KiB, PSS {} KiB\n", idle.meanRssKb,
             idle.meanPssKb);
}

// The security target concerns the same two 1,000-node pings.
std::string securityNote(const SecurityCost& cost) {
  bool concerned =
      cost.nodes >= 1000 && (cost.scenario == "ping_direct" || cost.scenario == "ping_broadcast");
  if (!concerned) return "";
  return fmt::format("< {:.0f}x: {}", kTargetSecurityRatio,
                     cost.medianRatio() < kTargetSecurityRatio ? "met" : "MISSED");
}

void printCpu(std::FILE* out, const BenchReport& report) {
  fmt::print(out,
             "\nCPU per call in ms (user + system, warm-up included; 10 ms ticks over all "
             "calls): where the work is\n");
  fmt::print(out, "{:>6}  {:<8} {:<16} {:>8} {:>11} {:>8}\n", "nodes", "security", "scenario",
             "client", "simulators", "broker");
  for (const auto& run : report.sizes) {
    for (const auto& s : run.scenarios) {
      fmt::print(out, "{:>6}  {:<8} {:<16} {:>8.2f} {:>11.2f} {:>8.2f}\n", run.nodes,
                 run.secure ? "on" : "off", s.name, s.cpu.client, s.cpu.simulators, s.cpu.broker);
    }
  }
}

void printSecurityCosts(std::FILE* out, const std::vector<SecurityCost>& costs) {
  if (costs.empty()) return;
  fmt::print(out, "\nCost of security (secure / plain, same scenario and fleet size)\n");
  fmt::print(out, "{:>6}  {:<16} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}  {}\n", "nodes",
             "scenario", "plain med", "secure med", "ratio", "plain p99", "secure p99", "ratio",
             "target");
  for (const auto& c : costs) {
    fmt::print(out,
               "{:>6}  {:<16} {:>10.2f} {:>10.2f} {:>6.2f}x {:>10.2f} {:>10.2f} {:>6.2f}x  {}\n",
               c.nodes, c.scenario, c.plain.median, c.secure.median, c.medianRatio(), c.plain.p99,
               c.secure.p99, c.p99Ratio(), securityNote(c));
  }
}

Json scenarioJson(const ScenarioResult& s) {
  Json doc = toJson(s.timing);
  doc["title"] = s.title;
  doc["expected_replies"] = s.expected;
  doc["repeat"] = s.repeat;
  doc["incomplete"] = s.incomplete;
  if (s.incomplete > 0) doc["fewest_replies_when_incomplete"] = s.fewestReplies;
  if (s.firstReply.samples > 0) doc["first_reply"] = toJson(s.firstReply);
  if (s.publish.samples > 0) doc["publish"] = toJson(s.publish);
  auto round2 = [](double ms) { return std::round(ms * 100.0) / 100.0; };
  doc["cpu_ms_per_call"] = Json{{"client", round2(s.cpu.client)},
                                {"simulators", round2(s.cpu.simulators)},
                                {"broker", round2(s.cpu.broker)}};
  return doc;
}

// What the bus server holds per connected node, from the growth of its RSS.
double perNodeKb(long growthKb, std::size_t nodes) {
  return nodes == 0 ? 0.0 : static_cast<double>(growthKb) / static_cast<double>(nodes);
}

}  // namespace

std::vector<SecurityCost> securityCosts(const BenchReport& report) {
  std::vector<SecurityCost> costs;
  for (const auto& plain : report.sizes) {
    if (plain.secure) continue;
    for (const auto& secure : report.sizes) {
      if (!secure.secure || secure.nodes != plain.nodes) continue;
      for (const auto& p : plain.scenarios) {
        for (const auto& s : secure.scenarios) {
          if (s.name != p.name || s.timing.samples == 0 || p.timing.samples == 0) continue;
          costs.push_back({plain.nodes, p.name, p.timing, s.timing});
        }
      }
    }
  }
  return costs;
}

void printTable(std::FILE* out, const BenchReport& report) {
  fmt::print(out, "\nDrover RPC benchmark: {}\n", report.environment.dump());
  fmt::print(out,
             "median/p99/min/max: the scenario's measure; 1st: median to the first reply; "
             "publish: median time to encode and queue a known set's requests\n\n");
  fmt::print(out, "{:>6}  {:<44} {:>6} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>12} {}\n", "nodes",
             "scenario", "expect", "median ms", "p99 ms", "min ms", "max ms", "1st ms", "publish",
             "incomplete", "target");
  for (const auto& run : report.sizes) {
    fmt::print(out,
               "{:>6}  security {} ({} simulator processes, fleet ready in {} ms, simulators' RSS "
               "{} KiB)\n",
               run.nodes, run.secure ? "ON: signed, verified, authorized, audited" : "off",
               run.simulators, run.startupMs, run.simulatorRssKb);
    fmt::print(out,
               "{:>6}  bus server RSS: {} KiB empty, {} KiB with every node connected "
               "({:.1f} KiB per node), {} KiB after the scenarios ({:.1f} KiB per node)\n",
               "", run.busEmptyRssKb, run.busReadyRssKb,
               perNodeKb(run.busReadyRssKb - run.busEmptyRssKb, run.nodes), run.busAfterRssKb,
               perNodeKb(run.busAfterRssKb - run.busEmptyRssKb, run.nodes));
    for (const auto& s : run.scenarios) printRow(out, run.nodes, s, targetNote(run, s));
  }
  printCpu(out, report);
  printSecurityCosts(out, securityCosts(report));
  if (report.daemon) printDaemon(out, *report.daemon);
  if (report.idle) printIdle(out, *report.idle);
  std::fflush(out);
}

Json toJson(const BenchReport& report) {
  Json doc{{"environment", report.environment},
           {"targets",
            {{"thousand_replies_median_ms", kTargetThousandRepliesMs},
             {"ten_thousand_replies_median_ms", kTargetTenThousandRepliesMs},
             {"idle_droverd_rss_bytes", kTargetIdleRssBytes},
             {"idle_100_droverd_cpu_percent", kTargetIdleCpuPercent},
             {"security_ratio_1000_ping_median", kTargetSecurityRatio},
             {"registry_ping_to_direct_ratio", kTargetRegistryRatio}}},
           {"sizes", Json::array()}};
  for (const auto& run : report.sizes) {
    Json size{{"nodes", run.nodes},
              {"security", run.secure ? "on" : "off"},
              {"simulators", run.simulators},
              {"fleet_ready_ms", run.startupMs},
              {"simulators_rss_kib", run.simulatorRssKb},
              {"bus_server_rss_kib",
               {{"empty", run.busEmptyRssKb},
                {"ready", run.busReadyRssKb},
                {"after_scenarios", run.busAfterRssKb},
                {"per_node_ready", perNodeKb(run.busReadyRssKb - run.busEmptyRssKb, run.nodes)},
                {"per_node_after", perNodeKb(run.busAfterRssKb - run.busEmptyRssKb, run.nodes)}}},
              {"scenarios", Json::object()}};
    for (const auto& s : run.scenarios) size["scenarios"][s.name] = scenarioJson(s);
    doc["sizes"].push_back(std::move(size));
  }
  doc["security_cost"] = Json::array();
  for (const auto& c : securityCosts(report)) {
    auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
    doc["security_cost"].push_back(Json{{"nodes", c.nodes},
                                        {"scenario", c.scenario},
                                        {"plain_median_ms", round3(c.plain.median)},
                                        {"secure_median_ms", round3(c.secure.median)},
                                        {"median_ratio", round3(c.medianRatio())},
                                        {"plain_p99_ms", round3(c.plain.p99)},
                                        {"secure_p99_ms", round3(c.secure.p99)},
                                        {"p99_ratio", round3(c.p99Ratio())}});
  }
  if (report.daemon) {
    const DaemonMemory& d = *report.daemon;
    doc["droverd"] = Json{{"idle_rss_kib", d.idleRssKb},
                          {"settle_ms", d.settleMs},
                          {"idle_rss_anon_kib", d.idleAnonKb},
                          {"idle_rss_file_kib", d.idleFileKb},
                          {"idle_rss_by_mapping_kib", mappingsJson(d.idleByMapping)},
                          {"floor_rss_kib", d.floorRssKb},
                          {"rss_after_pings_kib", d.afterPingsRssKb},
                          {"peak_rss_kib", d.peakRssKb},
                          {"threads", d.threads},
                          {"pings", scenarioJson(d.pings)}};
  }
  if (report.idle) {
    const IdleDaemons& i = *report.idle;
    doc["idle_droverd"] = Json{{"daemons", i.daemons},
                               {"seconds", i.seconds},
                               {"cpu_percent_of_core", i.cpuPercentOfCore},
                               {"wakeups_per_daemon_per_second", i.wakeupsPerSecond},
                               {"mean_rss_kib", i.meanRssKb},
                               {"mean_pss_kib", i.meanPssKb}};
  }
  return doc;
}

}  // namespace drover::bench
