#include "bench/flood/flood_report.hpp"

#include <fmt/format.h>

namespace drover::bench::flood {
namespace {

template <typename T>
std::string orDash(const std::optional<T>& value, const char* format) {
  return value ? fmt::format(fmt::runtime(format), *value) : std::string("-");
}

std::string lostText(const RunResult& r) {
  return fmt::format("{} ({})", r.lost, orDash(r.lostBeforeBroker, "{}"));
}

double perSecond(const RunResult& r) {
  return r.sinceBurstMs && *r.sinceBurstMs > 0
             ? static_cast<double>(r.seen) * 1000.0 / *r.sinceBurstMs
             : 0;
}

double microsPerMessage(const RunResult& r) {
  return r.seen > 0 ? r.nodeCpuMs * 1000.0 / static_cast<double>(r.seen) : 0;
}

void printRow(std::FILE* out, const RunResult& r) {
  fmt::print(out,
             "{:<9} {:<9} {:>6} {:>8.1f} {:>7.1f} {:>8} {:>8} {:>6} {:>8.0f} {:>6.1f} {:>8.0f} "
             "{:>9.1f} {:>9.1f} {:>7} {:>12} {:>7.0f}\n",
             toString(r.kind), toString(r.route), r.sent, static_cast<double>(r.bytes) / 1e6,
             r.publishMs, orDash(r.pingMs, "{:.1f}"), orDash(r.sinceBurstMs, "{:.1f}"), r.seen,
             r.nodeCpuMs, microsPerMessage(r), perSecond(r),
             static_cast<double>(r.logBytes) / 1024.0, static_cast<double>(r.auditBytes) / 1024.0,
             r.garbageReplies, lostText(r), r.brokerCpuMs);
  if (r.othersPingMs)
    fmt::print(out, "{:>20}other nodes' slowest ping: {:.1f} ms\n", "", *r.othersPingMs);
  if (!r.error.empty()) fmt::print(out, "{:>20}{}\n", "", r.error);
}

}  // namespace

void printTable(std::FILE* out, const FloodReport& report) {
  fmt::print(out, "\nDrover flood benchmark: {}\n", report.environment.dump());
  fmt::print(out,
             "ping: a signed rpcutil ping sent right behind the burst on the same socket, to its "
             "reply; burst ms: burst start to that reply;\nseen: messages the node took off its "
             "socket (stats `total`, or its log); CPU: the node's, burst start to the reply;\n"
             "msg/s: seen per second of that time; log, audit: growth in KiB in that time; "
             "replies: answers to garbage; lost: sent - seen (of them before the broker)\n\n");
  fmt::print(out,
             "{:<9} {:<9} {:>6} {:>8} {:>7} {:>8} {:>8} {:>6} {:>8} {:>6} {:>8} {:>9} {:>9} {:>7} "
             "{:>12} {:>7}\n",
             "kind", "route", "sent", "MB", "pub ms", "ping ms", "burst ms", "seen", "CPU ms",
             "us/msg", "msg/s", "log KiB", "audit KiB", "replies", "lost (pre)", "brk CPU");
  for (const auto& run : report.runs) printRow(out, run);
  std::fflush(out);
}

Json toJson(const FloodReport& report) {
  Json runs = Json::array();
  for (const auto& run : report.runs) runs.push_back(run.toJson());
  return Json{{"environment", report.environment}, {"runs", runs}};
}

}  // namespace drover::bench::flood
