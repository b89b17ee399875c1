#include "node/node_metrics.hpp"

#include <fmt/format.h>

#include "core/util/build_info.hpp"
#include "core/util/prometheus.hpp"

namespace drover::node {

using util::prometheusFamily;
using util::prometheusLabel;
using util::prometheusSingle;

std::string_view outcomeLabel(envelope::StatusCode code) {
  switch (code) {
    case envelope::StatusCode::Ok: return "ok";
    case envelope::StatusCode::Aborted: return "aborted";
    case envelope::StatusCode::UnknownAction: return "unknown_action";
    case envelope::StatusCode::MissingData: return "missing_data";
    case envelope::StatusCode::InvalidData: return "invalid_data";
    case envelope::StatusCode::UnknownError: return "unknown_error";
    case envelope::StatusCode::Refused: return "refused";
    case envelope::StatusCode::Busy: return "busy";
  }
  return "unknown_error";
}

void NodeMetrics::countRun(const std::string& agent, envelope::StatusCode code,
                           std::chrono::microseconds took) {
  std::lock_guard lock(mutex_);
  ++requests_[{agent, std::string(outcomeLabel(code))}];
  Runs& runs = durations_[agent];
  ++runs.count;
  runs.seconds += static_cast<double>(took.count()) / 1e6;
}

void NodeMetrics::countRefusal(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = refusals_.find(reason);
  if (it == refusals_.end()) it = refusals_.emplace(std::string(reason), 0).first;
  ++it->second;
}

std::string NodeMetrics::prometheus(const Gauges& g) const {
  std::string out;
  prometheusFamily(out, "drover_node_info", "gauge",
                   "The node: its identity, security mode, version and commit (always 1).");
  out += fmt::format(
      "drover_node_info{{identity=\"{}\",security=\"{}\",version=\"{}\",commit=\"{}\"}} 1\n",
      prometheusLabel(g.identity), prometheusLabel(g.security), util::buildVersion(),
      util::buildCommit());
  prometheusSingle(out, "drover_node_start_time_seconds", "gauge",
                   "When droverd started, in seconds since the epoch.",
                   static_cast<double>(g.startedMs) / 1000.0);
  prometheusSingle(out, "drover_node_messages_received_total", "counter",
                   "Request messages that reached the node, before any check.", g.received);
  prometheusSingle(out, "drover_node_requests_filtered_total", "counter",
                   "Broadcast requests whose filter does not select this node.", g.filtered);
  {
    std::lock_guard lock(mutex_);
    prometheusFamily(out, "drover_node_requests_total", "counter",
                     "Requests an agent ran, by agent and the outcome its reply gave.");
    for (const auto& [key, count] : requests_) {
      out += fmt::format("drover_node_requests_total{{agent=\"{}\",outcome=\"{}\"}} {}\n",
                         prometheusLabel(key.first), key.second, count);
    }
    prometheusFamily(out, "drover_node_request_duration_seconds", "summary",
                     "Time the agents' actions took, by agent.");
    for (const auto& [agent, runs] : durations_) {
      std::string label = prometheusLabel(agent);
      out += fmt::format("drover_node_request_duration_seconds_sum{{agent=\"{}\"}} {:.6f}\n", label,
                         runs.seconds);
      out += fmt::format("drover_node_request_duration_seconds_count{{agent=\"{}\"}} {}\n", label,
                         runs.count);
    }
    prometheusFamily(out, "drover_node_refused_total", "counter",
                     "Requests refused (answered so) or dropped (unverified, replayed, "
                     "misaddressed replies), by reason.");
    for (const auto& [reason, count] : refusals_) {
      out += fmt::format("drover_node_refused_total{{reason=\"{}\"}} {}\n", prometheusLabel(reason),
                         count);
    }
  }
  prometheusFamily(out, "drover_node_workers", "gauge",
                   "Worker threads running agents' actions: started, of them busy.");
  out += fmt::format("drover_node_workers{{state=\"started\"}} {}\n", g.workersStarted);
  out += fmt::format("drover_node_workers{{state=\"busy\"}} {}\n",
                     g.workersStarted - std::min(g.workersIdle, g.workersStarted));
  prometheusSingle(out, "drover_node_workers_limit", "gauge",
                   "The most worker threads the node starts (workers).", g.workersLimit);
  prometheusSingle(out, "drover_node_queued_requests", "gauge", "Requests waiting for a worker.",
                   g.queued);
  prometheusSingle(out, "drover_node_reconnects_total", "counter",
                   "Times the node came back on the bus after losing it.", g.reconnects);
  prometheusSingle(out, "drover_node_registrations_total", "counter",
                   "Registrations the node sent (start, heartbeats, changes).", g.registrations);
  return out;
}

}  // namespace drover::node
