#include "provisioner/metrics.hpp"

#include <fmt/format.h>

#include "core/util/prometheus.hpp"

namespace drover::provisioner {

using util::prometheusLabel;

void Metrics::setNodes(const std::string& state, std::int64_t count) {
  std::lock_guard lock(mutex_);
  nodes_[state] = count;
}

void Metrics::observeStep(const std::string& step, const std::string& verdict, double seconds) {
  StepListener listener;
  {
    std::lock_guard lock(mutex_);
    ++attempts_[{step, verdict}];
    Histogram& h = durations_[step];
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
    listener = stepListener_;
  }
  if (listener) listener(step, verdict, seconds);
}

void Metrics::setStepListener(StepListener listener) {
  std::lock_guard lock(mutex_);
  stepListener_ = std::move(listener);
}

void Metrics::countEvent(const std::string& event) {
  std::lock_guard lock(mutex_);
  ++events_[event];
}

void Metrics::setMasters(std::int64_t healthy, std::int64_t known) {
  std::lock_guard lock(mutex_);
  mastersHealthy_ = healthy;
  mastersKnown_ = known;
}

void Metrics::setEnrolmentBlocked(std::int64_t count) {
  std::lock_guard lock(mutex_);
  enrolmentBlocked_ = count;
}

void Metrics::setLongestInStep(std::map<std::string, double> seconds) {
  std::lock_guard lock(mutex_);
  longestInStep_ = std::move(seconds);
}

void Metrics::setExtraText(std::function<std::string()> extra) {
  std::lock_guard lock(mutex_);
  extra_ = std::move(extra);
}

std::string Metrics::prometheus() const {
  std::function<std::string()> extra;
  {
    std::lock_guard lock(mutex_);
    extra = extra_;
  }
  std::string out = text();
  if (extra) out += extra();
  return out;
}

std::string Metrics::text() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out +=
      "# HELP drover_provisioner_nodes Nodes known to this provisioner, by state.\n"
      "# TYPE drover_provisioner_nodes gauge\n";
  for (const auto& [state, count] : nodes_) {
    out +=
        fmt::format("drover_provisioner_nodes{{state=\"{}\"}} {}\n", prometheusLabel(state), count);
  }
  out +=
      "# HELP drover_provisioner_masters Puppet masters seen on the bus.\n"
      "# TYPE drover_provisioner_masters gauge\n";
  out += fmt::format("drover_provisioner_masters{{health=\"healthy\"}} {}\n", mastersHealthy_);
  out += fmt::format("drover_provisioner_masters{{health=\"all\"}} {}\n", mastersKnown_);
  out +=
      "# HELP drover_provisioner_enrolment_blocked_nodes Enrolling nodes waiting because "
      "this provisioner cannot enrol them (no enrolment.token_files/ca_dir).\n"
      "# TYPE drover_provisioner_enrolment_blocked_nodes gauge\n";
  out += fmt::format("drover_provisioner_enrolment_blocked_nodes {}\n", enrolmentBlocked_);
  out +=
      "# HELP drover_provisioner_step_longest_running_seconds Seconds the longest-running "
      "node in each step has been there (since its step started or was retried).\n"
      "# TYPE drover_provisioner_step_longest_running_seconds gauge\n";
  for (const auto& [step, seconds] : longestInStep_) {
    out += fmt::format("drover_provisioner_step_longest_running_seconds{{step=\"{}\"}} {:.3f}\n",
                       prometheusLabel(step), seconds);
  }
  out +=
      "# HELP drover_provisioner_step_attempts_total Step attempts, by step and verdict.\n"
      "# TYPE drover_provisioner_step_attempts_total counter\n";
  for (const auto& [key, count] : attempts_) {
    out += fmt::format("drover_provisioner_step_attempts_total{{step=\"{}\",verdict=\"{}\"}} {}\n",
                       prometheusLabel(key.first), prometheusLabel(key.second), count);
  }
  out +=
      "# HELP drover_provisioner_events_total Notifications raised, by event.\n"
      "# TYPE drover_provisioner_events_total counter\n";
  for (const auto& [event, count] : events_) {
    out += fmt::format("drover_provisioner_events_total{{event=\"{}\"}} {}\n",
                       prometheusLabel(event), count);
  }
  out +=
      "# HELP drover_provisioner_step_duration_seconds Time of one step attempt.\n"
      "# TYPE drover_provisioner_step_duration_seconds histogram\n";
  for (const auto& [step, h] : durations_) {
    std::string name = prometheusLabel(step);
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format(
          "drover_provisioner_step_duration_seconds_bucket{{step=\"{}\",le=\"{}\"}} {}\n", name,
          kBuckets[i], h.buckets[i]);
    }
    out += fmt::format(
        "drover_provisioner_step_duration_seconds_bucket{{step=\"{}\",le=\"+Inf\"}} {}\n", name,
        h.count);
    out += fmt::format("drover_provisioner_step_duration_seconds_sum{{step=\"{}\"}} {}\n", name,
                       h.sum);
    out += fmt::format("drover_provisioner_step_duration_seconds_count{{step=\"{}\"}} {}\n", name,
                       h.count);
  }
  return out;
}

Json Metrics::toJson() const {
  std::lock_guard lock(mutex_);
  Json out{{"nodes", nodes_},
           {"events", events_},
           {"masters", {{"healthy", mastersHealthy_}, {"known", mastersKnown_}}},
           {"enrolment_blocked", enrolmentBlocked_}};
  Json steps = Json::object();
  for (const auto& [step, h] : durations_) {
    steps[step] = {{"attempts", h.count},
                   {"mean_seconds", h.count ? h.sum / static_cast<double>(h.count) : 0.0}};
  }
  for (const auto& [key, count] : attempts_) steps[key.first]["verdicts"][key.second] = count;
  out["steps"] = steps;
  return out;
}

}  // namespace drover::provisioner
