#include "provisioner/web/live_state.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/util/clock.hpp"

namespace drover::provisioner::web {

Json liveRow(const NodeRecord& record, std::int64_t sinceMs) {
  Json row{{"id", record.identity},    {"state", toString(record.state)},
           {"step", record.stepName},  {"attempt", record.attempt},
           {"master", record.master},  {"since_ms", sinceMs},
           {"error", record.lastError}};
  if (!record.name.empty()) row["name"] = record.name;
  if (!record.flow.empty()) row["flow"] = record.flow;
  if (record.intent) row["in_call"] = record.intent->step;
  return row;
}

void LiveState::load(const Json& nodes) {
  std::lock_guard lock(mutex_);
  for (const Json& node : nodes) {
    Json row{{"id", node.value("identity", "")},
             {"state", node.value("state", "")},
             {"step", node.value("step", "")},
             {"attempt", node.value("attempt", 0)},
             {"master", node.value("master", "")},
             {"since_ms", node.value("updated_ms", std::int64_t{0})},
             {"error", node.value("last_error", "")}};
    for (const char* key : {"name", "flow", "in_call"}) {
      if (node.contains(key)) row[key] = node[key];
    }
    ++version_;
    std::string identity = row["id"].get<std::string>();
    rows_[identity] = Row{std::move(row), version_};
  }
  wake_.notify_all();
}

void LiveState::nodeChanged(const NodeRecord& record) {
  std::lock_guard lock(mutex_);
  auto it = rows_.find(record.identity);
  std::int64_t since = record.updatedMs != 0 ? record.updatedMs : util::nowMs();
  // Time in step counts from when the step (or the state) changed, not from each retry.
  if (it != rows_.end() && it->second.json["step"] == record.stepName &&
      it->second.json["state"] == toString(record.state)) {
    since = it->second.json["since_ms"].get<std::int64_t>();
  }
  removed_.erase(record.identity);
  ++version_;
  rows_[record.identity] = Row{liveRow(record, since), version_};
  wake_.notify_all();
}

void LiveState::nodeDropped(const std::string& identity) {
  std::lock_guard lock(mutex_);
  if (rows_.erase(identity) == 0) return;
  ++version_;
  removed_[identity] = version_;
  if (removed_.size() > kMaxRemoved) {
    auto oldest =
        std::min_element(removed_.begin(), removed_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    removedFloor_ = oldest->second;
    removed_.erase(oldest);
  }
  wake_.notify_all();
}

void LiveState::stepEnded(const std::string& step, const std::string& verdict, double seconds) {
  std::lock_guard lock(mutex_);
  Samples& samples = durations_[step];
  samples.seconds.push_back(seconds);
  if (samples.seconds.size() > kDurationsPerStep) samples.seconds.pop_front();
  ++samples.count;
  if (verdict == "done") ++samples.done;
  ++durationsVersion_;
  wake_.notify_all();
}

void LiveState::deploymentsChanged() {
  std::lock_guard lock(mutex_);
  ++deploymentsVersion_;
  wake_.notify_all();
}

LiveState::Changes LiveState::changesSince(std::uint64_t version) const {
  std::lock_guard lock(mutex_);
  Changes out;
  out.version = version_;
  out.resync = version != 0 && version < removedFloor_;
  if (out.resync) version = 0;
  for (const auto& [identity, row] : rows_) {
    if (row.version > version) out.rows.push_back(row.json);
  }
  if (version != 0) {
    for (const auto& [identity, at] : removed_) {
      if (at > version) out.removed.push_back(identity);
    }
  }
  return out;
}

Json LiveState::durations() const {
  std::lock_guard lock(mutex_);
  Json out = Json::object();
  for (const auto& [step, samples] : durations_) {
    std::vector<double> sorted(samples.seconds.begin(), samples.seconds.end());
    std::sort(sorted.begin(), sorted.end());
    // Nearest-rank percentile over the kept samples.
    auto at = [&](double p) {
      if (sorted.empty()) return 0.0;
      auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
      return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
    };
    out[step] = {{"count", samples.count}, {"done", samples.done}, {"p50", at(0.50)},
                 {"p90", at(0.90)},        {"p99", at(0.99)},      {"max", at(1.0)},
                 {"kept", sorted.size()}};
  }
  return out;
}

std::uint64_t LiveState::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

std::uint64_t LiveState::durationsVersion() const {
  std::lock_guard lock(mutex_);
  return durationsVersion_;
}

std::uint64_t LiveState::deploymentsVersion() const {
  std::lock_guard lock(mutex_);
  return deploymentsVersion_;
}

bool LiveState::waitForChange(std::uint64_t rows, std::uint64_t durations,
                              std::uint64_t deployments, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, timeout, [&] {
    return closed_ || version_ != rows || durationsVersion_ != durations ||
           deploymentsVersion_ != deployments;
  });
  return !closed_;
}

void LiveState::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  wake_.notify_all();
}

}  // namespace drover::provisioner::web
