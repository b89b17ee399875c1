#pragma once
// Delivery off the provisioning path. publish() copies the event into a bounded queue per
// notifier and returns; one worker thread per notifier renders and delivers, retrying with
// exponential backoff and jitter. A delivery that fails for good is logged and counted,
// never raised. Channels with a digest window (xmpp and email by default) collect the
// events of a window and send one message for the lot.
//
//   notifiers::Dispatcher notifier(notifiers::loadFile("/etc/drover/provisioner.yaml"));
//   notifier.publish(event);                        // any thread, never blocks or throws
//   auto counts = notifier.stats();                 // for the Prometheus endpoint
//   notifier.shutdown(std::chrono::seconds(10));    // on stop: drains what it can
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "notifiers/config.hpp"
#include "notifiers/event.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

/// Counters of one notifier since the Dispatcher started. Events, not messages: a digest
/// of 40 events that arrives counts 40 delivered.
struct ChannelStats {
  std::string name;
  std::string type;
  std::uint64_t delivered = 0;  // events that reached the channel
  std::uint64_t failed = 0;     // events given up on after the last attempt (or at shutdown)
  std::uint64_t dropped = 0;    // events refused because the queue was full
  std::uint64_t retries = 0;    // attempts after a failed one
  std::uint64_t messages = 0;   // messages sent (a digest is one)
  std::size_t queued = 0;       // events waiting now
};

/// The counters in Prometheus text format: drover_notifiers_events_total{notifier,type,outcome},
/// drover_notifiers_retries_total, drover_notifiers_messages_total, drover_notifiers_queued.
std::string prometheusText(const std::vector<ChannelStats>& stats);

/// How a retry waits: the n-th retry (1-based) waits min(max, initial * 2^(n-1)), of which
/// a random part of up to half is taken off, so notifiers that failed together do not
/// retry together.
std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int retry, double random01);

class Dispatcher : public EventSink {
 public:
  /// One notifier plus the options that route, render and retry for it.
  struct Channel {
    ChannelOptions options;
    std::unique_ptr<Notifier> notifier;
  };

  /// Builds every notifier of `config` with makeNotifier() and starts them.
  /// Throws std::runtime_error when a notifier cannot be built.
  explicit Dispatcher(const NotifyConfig& config);

  /// Takes ready-made channels (custom notifiers, tests) and starts them.
  explicit Dispatcher(std::vector<Channel> channels);

  /// shutdown(5 s) unless already shut down.
  ~Dispatcher() override;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// Queues `event` for every notifier whose `events` include its kind (every notifier for
  /// a Test event). Never blocks on delivery and never throws: a full queue drops the
  /// event for that notifier and counts it. Thread safe.
  void publish(const Event& event) noexcept override;

  /// Closes open digest windows at once and waits until every queue is empty and nothing
  /// is being delivered, or `timeout` passes. Returns whether everything was handled
  /// (delivered or failed for good). Thread safe.
  bool flush(std::chrono::milliseconds timeout);

  /// flush(timeout), then stops the notifiers and the workers. Events still queued or in a
  /// retry wait when the time is up are counted as failed and logged; an HTTP or SMTP
  /// attempt under way finishes first (bounded by its `timeout`). Idempotent; after it,
  /// publish() drops. Thread safe.
  void shutdown(std::chrono::milliseconds timeout);

  std::vector<ChannelStats> stats() const;

 private:
  struct Worker;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> shutDown_{false};
};

}  // namespace drover::notifiers
