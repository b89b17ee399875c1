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

void LiveState::put(const std::string& identity, Json row, const std::string& step, NodeState state,
                    std::int64_t sinceMs) {
  Row& kept = rows_[identity];
  if (kept.version != 0) byVersion_.erase(kept.version);
  if (auto gone = removed_.find(identity); gone != removed_.end()) {
    removedByVersion_.erase(gone->second);
    removed_.erase(gone);
  }
  ++version_;
  kept =
      Row{row.dump(-1, ' ', false, Json::error_handler_t::replace), step, state, sinceMs, version_};
  byVersion_.emplace(version_, identity);
  wake_.notify_all();
}

void LiveState::load(const Json& nodes) {
  std::lock_guard lock(mutex_);
  for (const Json& node : nodes) {
    NodeRecord r;
    r.identity = node.value("identity", "");
    try {
      r.state = nodeStateFrom(node.value("state", ""));
    } catch (const std::invalid_argument&) {
      continue;  // not a state this build knows: shown once it changes
    }
    r.stepName = node.value("step", "");
    r.attempt = node.value("attempt", 0);
    r.master = node.value("master", "");
    r.lastError = node.value("last_error", "");
    r.name = node.value("name", "");
    r.flow = node.value("flow", "");
    std::int64_t since = node.value("updated_ms", std::int64_t{0});
    Json row = liveRow(r, since);
    if (node.contains("in_call")) row["in_call"] = node["in_call"];
    put(r.identity, std::move(row), r.stepName, r.state, since);
  }
}

void LiveState::nodeChanged(const NodeRecord& record) {
  std::lock_guard lock(mutex_);
  std::int64_t since = record.updatedMs != 0 ? record.updatedMs : util::nowMs();
  // Time in step counts from when the step (or the state) changed, not from each retry.
  auto it = rows_.find(record.identity);
  if (it != rows_.end() && it->second.step == record.stepName && it->second.state == record.state) {
    since = it->second.sinceMs;
  }
  put(record.identity, liveRow(record, since), record.stepName, record.state, since);
}

void LiveState::nodeDropped(const std::string& identity) {
  std::lock_guard lock(mutex_);
  auto it = rows_.find(identity);
  if (it == rows_.end()) return;
  byVersion_.erase(it->second.version);
  rows_.erase(it);
  ++version_;
  removed_[identity] = version_;
  removedByVersion_.emplace(version_, identity);
  if (removed_.size() > kMaxRemoved) {
    auto oldest = removedByVersion_.begin();
    removedFloor_ = oldest->first;
    removed_.erase(oldest->second);
    removedByVersion_.erase(oldest);
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
  std::string rows(1, '[');
  auto add = [&](const Row& row) {
    if (out.count++ != 0) rows += ',';
    rows += row.text;
  };
  if (version == 0) {
    for (const auto& [identity, row] : rows_) add(row);
  } else {
    for (auto it = byVersion_.upper_bound(version); it != byVersion_.end(); ++it) {
      add(rows_.at(it->second));
    }
    for (auto it = removedByVersion_.upper_bound(version); it != removedByVersion_.end(); ++it) {
      out.removed.push_back(it->second);
    }
  }
  rows += ']';
  out.rows = std::move(rows);
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
