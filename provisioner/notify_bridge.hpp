#pragma once
// The provisioner's events through notifiers::Dispatcher (XMPP, email, webhook, exec, log),
// when provisioner.yaml has a `notifiers:` section. publish() only queues, so delivery
// never holds up a step; failures are retried, then counted (prometheusText()).
#include <chrono>
#include <memory>
#include <string>

#include "notifiers/dispatcher.hpp"
#include "provisioner/notifier.hpp"

namespace drover::provisioner {

/// The notify library's event for one of ours: node, master, facts (each notifier keeps
/// the ones its `facts:` names), finished steps with timings, and for failed and retried
/// the failing step, its error and the attempt number.
notifiers::Event toNotifyEvent(const Event& event);

class DispatchNotifier : public Notifier {
 public:
  explicit DispatchNotifier(std::unique_ptr<notifiers::Dispatcher> dispatcher)
      : dispatcher_(std::move(dispatcher)) {}
  void deliver(const Event& event) noexcept override;

  /// Every notifier's counters, in Prometheus text format.
  std::string prometheusText() const;
  /// Delivers what is queued (up to `timeout`), then stops the notifiers.
  void shutdown(std::chrono::milliseconds timeout) { dispatcher_->shutdown(timeout); }

 private:
  std::unique_ptr<notifiers::Dispatcher> dispatcher_;
};

/// Sends each event to every notifier it holds (the events file and the dispatcher).
class FanOutNotifier : public Notifier {
 public:
  void add(Notifier& notifier) { notifiers_.push_back(&notifier); }
  void deliver(const Event& event) noexcept override {
    for (Notifier* notifier : notifiers_) notifier->deliver(event);
  }

 private:
  std::vector<Notifier*> notifiers_;
};

}  // namespace drover::provisioner
