#pragma once
// Provisioner counters, served in Prometheus text format over HTTP and as JSON on the
// bus. Gauges (nodes per state) are set by the engine; counters and the step duration
// histogram only grow. Thread safe.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/util/json.hpp"

namespace drover::provisioner {

class Metrics {
 public:
  /// Upper bounds of the step duration buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10,  30};

  /// Nodes currently in `state` (waiting, in_flight, provisioned, failed, held, ...).
  void setNodes(const std::string& state, std::int64_t count);
  /// One finished attempt of `step` with its verdict (done, retry, fail, ...).
  void observeStep(const std::string& step, const std::string& verdict, double seconds);
  void countEvent(const std::string& event);
  void setMasters(std::int64_t healthy, std::int64_t known);
  /// Enrolling nodes that wait because this provisioner cannot enrol them.
  void setEnrolmentBlocked(std::int64_t count);
  /// For each step some node is running: the seconds since the longest-running of them
  /// last moved on (a step started or retried). Replaces the previous values.
  void setLongestInStep(std::map<std::string, double> seconds);
  /// Also told of every observeStep (the live page's percentiles), without the lock.
  using StepListener =
      std::function<void(const std::string& step, const std::string& verdict, double seconds)>;
  void setStepListener(StepListener listener);
  /// Text appended to prometheus() (the notifiers' counters); called on each scrape.
  void setExtraText(std::function<std::string()> extra);

  /// The Prometheus text exposition (version 0.0.4).
  std::string prometheus() const;
  Json toJson() const;

 private:
  std::string text() const;  // without the extra text

  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> nodes_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> attempts_;
  std::map<std::string, Histogram> durations_;
  std::map<std::string, std::uint64_t> events_;
  std::int64_t mastersHealthy_ = 0;
  std::int64_t mastersKnown_ = 0;
  std::int64_t enrolmentBlocked_ = 0;
  std::map<std::string, double> longestInStep_;
  std::function<std::string()> extra_;
  StepListener stepListener_;
};

}  // namespace drover::provisioner
