#pragma once
// What droverd counts for Prometheus (metrics.listen): requests run by agent and outcome
// with their time, requests refused or dropped by reason, and, read at each scrape, the
// worker pool, reconnects and registrations. Every label comes from a fixed vocabulary or
// a hosted agent's name, never from a request's text: a caller cannot grow the series.
// Thread safe.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "core/envelope/envelope.hpp"

namespace drover::node {

class NodeMetrics {
 public:
  /// What the daemon knows at scrape time.
  struct Gauges {
    std::size_t workersStarted = 0;
    std::size_t workersIdle = 0;
    std::size_t workersLimit = 0;
    std::size_t queued = 0;
    std::uint64_t received = 0;  // every request message that reached the node
    std::uint64_t filtered = 0;  // broadcasts whose filter does not select the node
    std::uint64_t reconnects = 0;
    std::uint64_t registrations = 0;
    std::int64_t startedMs = 0;
    std::string identity;
    std::string security;  // disabled, enrolling, enforcing
  };

  /// A request an agent ran, with its reply's status and how long the action took.
  void countRun(const std::string& agent, envelope::StatusCode code,
                std::chrono::microseconds took);
  /// A request refused (answered so) or dropped (unanswered), by a fixed reason word.
  void countRefusal(std::string_view reason);

  /// The Prometheus text exposition.
  std::string prometheus(const Gauges& gauges) const;

 private:
  struct Runs {
    std::uint64_t count = 0;
    double seconds = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests_;  // agent, outcome
  std::map<std::string, Runs> durations_;                                  // agent
  std::map<std::string, std::uint64_t, std::less<>> refusals_;             // reason
};

/// The status code's word as a label: ok, aborted, unknown_action, missing_data,
/// invalid_data, unknown_error, refused, busy.
std::string_view outcomeLabel(envelope::StatusCode code);

}  // namespace drover::node
