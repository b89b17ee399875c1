#include "provisioner/notify_bridge.hpp"

#include <algorithm>

namespace drover::provisioner {

notifiers::Event toNotifyEvent(const Event& event) {
  notifiers::Event out;
  switch (event.kind) {
    case Event::Kind::Provisioned: out.kind = notifiers::EventKind::Provisioned; break;
    case Event::Kind::Failed: out.kind = notifiers::EventKind::Failed; break;
    case Event::Kind::Retried: out.kind = notifiers::EventKind::Retried; break;
    case Event::Kind::WaitingTooLong: out.kind = notifiers::EventKind::WaitingTooLong; break;
  }
  out.node = event.node;
  out.master = event.master;
  out.facts = event.facts.is_object() ? event.facts : Json::object();
  for (const auto& step : event.steps) {
    out.steps.push_back({step.name, step.durationMs, step.ok, step.error});
  }
  if (event.kind == Event::Kind::Failed || event.kind == Event::Kind::Retried) {
    out.failedStep = event.step;
    out.error = event.message;
  } else if (event.kind == Event::Kind::WaitingTooLong) {
    out.error = event.message;  // what it waits for
  }
  out.attempt = std::max(1, event.attempt);
  out.finishedMs = event.timeMs;
  out.startedMs = event.timeMs - event.durationMs;
  return out;
}

void DispatchNotifier::deliver(const Event& event) noexcept {
  try {
    dispatcher_->publish(toNotifyEvent(event));
  } catch (...) {
    // Building the event copies strings; a notifier never fails provisioning.
  }
}

std::string DispatchNotifier::prometheusText() const {
  return notifiers::prometheusText(dispatcher_->stats());
}

}  // namespace drover::provisioner
