#pragma once
// What the live provisioning page shows, kept beside the engine: a row per node (state,
// step, master, since when in that step, last error), the durations of the step attempts
// that ended, and versions the page's event streams wait on.
//
// The engine's change listener writes the rows, with the engine's lock held, so writing
// only notes the change; each stream then sends the rows changed since what it last sent,
// never the whole state again. Thread safe.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "core/util/json.hpp"
#include "provisioner/node_record.hpp"

namespace drover::provisioner::web {

class LiveState {
 public:
  /// Step durations kept per step for the percentiles: the latest ones.
  static constexpr std::size_t kDurationsPerStep = 2000;
  /// Dropped nodes remembered for the streams behind; past it the oldest are forgotten.
  static constexpr std::size_t kMaxRemoved = 100000;

  /// The nodes the engine holds at start (the `nodes` of Engine::status()).
  void load(const Json& nodes);
  /// A saved change of a node (Engine::ChangeListener).
  void nodeChanged(const NodeRecord& record);
  /// A node the engine forgot (a deployment stopped it).
  void nodeDropped(const std::string& identity);
  /// A step attempt that ended, how, and in how many seconds.
  void stepEnded(const std::string& step, const std::string& verdict, double seconds);
  /// Something a deployment's status shows changed.
  void deploymentsChanged();

  struct Changes {
    std::uint64_t version = 0;  // pass it to the next call
    // The changed rows, whole, as the JSON array text streams send (kept as text: a
    // snapshot of thousands of rows is then a copy, not a rebuild, under the lock).
    std::string rows = "[]";
    std::size_t count = 0;         // rows in it
    Json removed = Json::array();  // identities dropped
    // The changes since `version` are no longer all known (too many nodes dropped since):
    // the stream starts again from every row.
    bool resync = false;
  };
  /// The rows changed after `version` (every row for 0, by identity) and the nodes dropped
  /// since. Costs what changed, not what there is.
  Changes changesSince(std::uint64_t version) const;
  /// Per step: attempts counted, and the 50th, 90th and 99th percentile and the longest
  /// of their durations in seconds, with how many ended `done`.
  Json durations() const;
  std::uint64_t version() const;  // of the rows
  std::uint64_t durationsVersion() const;
  std::uint64_t deploymentsVersion() const;

  /// Waits until anything passes the versions given, close() is called or `timeout`
  /// passes. Returns false once closed.
  bool waitForChange(std::uint64_t rows, std::uint64_t durations, std::uint64_t deployments,
                     std::chrono::milliseconds timeout) const;
  /// Wakes every waiting stream for good (the listener is stopping).
  void close();

 private:
  struct Row {
    std::string text;  // liveRow(), dumped
    std::string step;
    NodeState state = NodeState::Waiting;
    std::int64_t sinceMs = 0;
    std::uint64_t version = 0;
  };
  void put(const std::string& identity, Json row, const std::string& step, NodeState state,
           std::int64_t sinceMs);  // with mutex_ held
  struct Samples {
    std::deque<double> seconds;
    std::uint64_t count = 0;
    std::uint64_t done = 0;
  };

  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  bool closed_ = false;
  std::uint64_t version_ = 0;
  std::uint64_t durationsVersion_ = 0;
  std::uint64_t deploymentsVersion_ = 0;
  std::map<std::string, Row> rows_;
  std::map<std::uint64_t, std::string> byVersion_;  // each row's version -> its identity
  std::map<std::string, std::uint64_t> removed_;    // identity -> version it went at
  std::map<std::uint64_t, std::string> removedByVersion_;
  std::uint64_t removedFloor_ = 0;  // streams older than this must resync
  std::map<std::string, Samples> durations_;
};

/// A node's row as the page shows it: from its record, with the time its current step
/// began (`sinceMs`).
Json liveRow(const NodeRecord& record, std::int64_t sinceMs);

}  // namespace drover::provisioner::web
