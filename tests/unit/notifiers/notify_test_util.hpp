#pragma once
// Shared pieces of the notify unit tests: events, a channel that records what it is given,
// and a capture of the drover.notify log lines.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "core/log/log.hpp"
#include "notifiers/config.hpp"
#include "notifiers/dispatcher.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers::testing {

inline Event makeEvent(EventKind kind, const std::string& node,
                       const std::string& region = "eu-west-1") {
  Event event;
  event.kind = kind;
  event.node = node;
  event.master = "puppet-eu1.example.com";
  event.facts = {{"region", region}, {"role", "web"}, {"cloud", {{"zone", region + "a"}}}};
  event.startedMs = 1'714'564'800'000;  // 2024-05-01T12:00:00Z
  event.finishedMs = event.startedMs + 252'000;
  event.steps = {{"pick_master", 12, true, ""}, {"sign_certificate", 1200, true, ""}};
  if (kind == EventKind::Failed || kind == EventKind::Retried) {
    event.failedStep = "sign_certificate";
    event.error = "puppetca sign timed out after 30 s";
    event.attempt = 3;
    event.steps.back() = {"sign_certificate", 30'000, false, event.error};
  }
  return event;
}

/// A channel that records each message and fails as told; the seam for dispatcher logic.
class RecordingNotifier : public Notifier {
 public:
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<Message> messages;  // delivered ones
    int attempts = 0;
    int failFirst = 0;             // attempts that throw before one succeeds
    bool permanent = false;        // those failures are PermanentError
    bool failAlways = false;
    std::string errorText = "receiver unavailable";
    bool hold = false;             // block in send() until released
    int entered = 0;               // send() calls begun
  };

  RecordingNotifier(std::string name, std::shared_ptr<Shared> shared, std::string secret = "")
      : Notifier(std::move(name), "recording"), shared_(std::move(shared)) {
    if (!secret.empty()) addSecret(secret);
  }

  static void release(Shared& shared) {
    {
      std::lock_guard lock(shared.mutex);
      shared.hold = false;
    }
    shared.changed.notify_all();
  }

 protected:
  void send(const Message& message) override {
    std::unique_lock lock(shared_->mutex);
    ++shared_->entered;
    shared_->changed.notify_all();
    shared_->changed.wait(lock, [&] { return !shared_->hold; });
    int attempt = ++shared_->attempts;
    shared_->changed.notify_all();
    if (shared_->failAlways || attempt <= shared_->failFirst) {
      if (shared_->permanent) throw PermanentError(shared_->errorText);
      throw std::runtime_error(shared_->errorText);
    }
    shared_->messages.push_back(message);
    shared_->changed.notify_all();
  }

 private:
  std::shared_ptr<Shared> shared_;
};

/// ChannelOptions for a test channel: every kind, fast retries, no digest.
inline ChannelOptions options(const std::string& name) {
  ChannelOptions o;
  o.name = name;
  o.type = "recording";
  o.events = {EventKind::Provisioned, EventKind::Failed, EventKind::Retried,
              EventKind::WaitingTooLong};
  o.retry = RetryPolicy{3, std::chrono::milliseconds(10), std::chrono::milliseconds(40)};
  return o;
}

/// Copies every line the drover.notify loggers write while it lives.
class LogCapture {
 public:
  LogCapture() {
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink_->set_pattern("%l %n: %v");
    for (const char* name : {"drover.notify", "drover.notify.xmpp"}) {
      auto logger = log::get(name);
      logger->sinks().push_back(sink_);
      loggers_.push_back(logger);
    }
  }
  ~LogCapture() {
    for (auto& logger : loggers_) {
      auto& sinks = logger->sinks();
      sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }
  }
  /// Read it once the code under test has stopped logging (after flush or shutdown).
  std::string text() {
    sink_->flush();
    return stream_.str();
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
};

}  // namespace drover::notifiers::testing
