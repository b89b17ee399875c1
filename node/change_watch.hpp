#pragma once
// What a node re-reads when it changes, watched instead of polled, so an idle node
// sleeps until its next registration: the facts and classes files, the CRL and the
// policy directory (util::FileWatch), and what the built-in facts follow: addresses,
// interfaces, the host name (facts::SystemWatch).
//
// Changes are held for a short settle time, so a burst (an address configured with its
// routes, a package writing several files) is read once. Where a watch cannot be
// placed, the facts and the CRL are checked on a timer instead, as before watching
// existed, and the node says why once.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/facts/system_watch.hpp"
#include "core/util/file_watch.hpp"
#include "node/node_config.hpp"

namespace drover::node {

class ChangeWatch {
 public:
  using Clock = std::chrono::steady_clock;

  struct Changes {
    bool facts = false;     // facts or classes file, or what the built-ins follow
    bool crl = false;       // the revocation list
    bool policies = false;  // the policy directory
    bool any() const { return facts || crl || policies; }
  };

  /// Watches the files `config` names; the CRL and policies only with `security` on.
  /// Never throws for a watch it cannot place: it falls back to the timer.
  ChangeWatch(const NodeConfig& config, bool security);

  /// Appended to the poll loop's items; pass the same slots to collect() after a poll.
  void addPollItems(std::vector<zmq::pollitem_t>& items) const;
  /// Reads what the watches reported in `items` (the slots addPollItems() added).
  void collect(const zmq::pollitem_t* items, Clock::time_point now);

  /// When take() has something: the end of the settle time, or the next timed check.
  /// Clock's max() when nothing is pending and nothing is checked on a timer.
  Clock::time_point due() const;
  /// The changes due at `now`, and resets them.
  Changes take(Clock::time_point now);

 private:
  void hold(Changes changes, Clock::time_point now);
  void fallBackIfIncomplete(Clock::time_point now);  // to the timer, once, saying why
  bool checkOnTimer(Clock::time_point now);          // false when already on it

  std::string identity_;
  std::unique_ptr<util::FileWatch> files_;  // null when inotify is unavailable
  std::vector<Changes> meaning_;            // what each file target's change means
  std::unique_ptr<facts::SystemWatch> system_;
  // Set once some watch is missing: facts and the CRL are then checked on this timer.
  Clock::time_point nextTimedCheck_ = Clock::time_point::max();
  Changes pending_;
  Clock::time_point pendingDue_ = Clock::time_point::max();
};

}  // namespace drover::node
