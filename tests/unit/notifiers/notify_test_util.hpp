#pragma once
// Shared pieces of the notify unit tests: events, a channel that records what it is given,
// and a capture of the drover.notify log lines.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

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
    int failFirst = 0;       // attempts that throw before one succeeds
    bool permanent = false;  // those failures are PermanentError
    bool failAlways = false;
    std::string errorText = "receiver unavailable";
    bool hold = false;  // block in send() until released
    int entered = 0;    // send() calls begun
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

/// Copies every line the drover.notify loggers write while it lives. waitFor() waits for
/// a line while the code under test still logs.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) {
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
  std::string text() { return sink_->text(); }
  /// Whether `needle` was logged within `timeout`.
  bool waitFor(const std::string& needle, std::chrono::milliseconds timeout) {
    return sink_->waitFor(needle, timeout);
  }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::string text() {
      std::lock_guard lock(textMutex_);
      return text_;
    }
    bool waitFor(const std::string& needle, std::chrono::milliseconds timeout) {
      std::unique_lock lock(textMutex_);
      return grew_.wait_for(lock, timeout, [&] { return text_.find(needle) != std::string::npos; });
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
      spdlog::memory_buf_t formatted;
      formatter_->format(message, formatted);
      {
        std::lock_guard lock(textMutex_);
        text_.append(formatted.data(), formatted.size());
      }
      grew_.notify_all();
    }
    void flush_() override {}

   private:
    std::mutex textMutex_;  // text_ is read by the test while the loggers write
    std::condition_variable grew_;
    std::string text_;
  };

  std::shared_ptr<Sink> sink_;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
};

}  // namespace drover::notifiers::testing
