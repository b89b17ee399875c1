#include "notifiers/dispatcher.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/log/log.hpp"
#include "core/util/prometheus.hpp"
#include "notifiers/presenter.hpp"
#include "notifiers/registry.hpp"

namespace drover::notifiers {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::uint64_t kDropLogEvery = 100;  // a full queue logs its 1st, 101st, ... drop
constexpr milliseconds kDefaultShutdown{5000};

const log::Logger logger{"drover.notify"};

std::string aboutMessage(const Message& message) {
  if (message.digest) return "digest of " + std::to_string(message.eventCount) + " events";
  return "event=" + message.document.value("event", std::string()) +
         " node=" + message.document.value("node", std::string());
}

using util::prometheusLabel;

}  // namespace

milliseconds backoffFor(const RetryPolicy& policy, int retry, double random01) {
  double base = static_cast<double>(policy.initialBackoff.count()) *
                std::pow(2.0, static_cast<double>(std::max(retry, 1) - 1));
  base = std::min(base, static_cast<double>(policy.maxBackoff.count()));
  double jittered = base - base / 2.0 * std::clamp(random01, 0.0, 1.0);
  return milliseconds(static_cast<std::int64_t>(jittered));
}

struct Dispatcher::Worker {
  Worker(ChannelOptions opts, std::unique_ptr<Notifier> channel)
      : options(std::move(opts)), notifier(std::move(channel)), random(std::random_device{}()) {}

  ChannelOptions options;
  std::unique_ptr<Notifier> notifier;
  Presenter presenter{options};

  std::mutex mutex;
  std::condition_variable wake;  // the worker waits on it
  std::condition_variable idle;  // flush() waits on it
  std::deque<Event> queue;
  std::optional<Clock::time_point> windowEnds;  // digest: when the open window closes
  std::size_t inFlight = 0;
  int flushers = 0;  // flush() calls under way: digest windows close at once
  bool stopping = false;
  std::optional<Clock::time_point> deadline;  // shutdown: give up after this
  std::thread thread;

  std::atomic<std::uint64_t> delivered{0}, failed{0}, dropped{0}, retries{0}, messages{0};
  std::mt19937 random;  // worker thread only

  bool digest() const { return options.digestWindow.count() > 0; }

  bool accepts(EventKind kind) const {
    return kind == EventKind::Test || options.events.count(kind) != 0;
  }

  void push(const Event& event) {
    std::unique_lock lock(mutex);
    if (stopping || queue.size() >= options.queueLimit) {
      std::uint64_t count = ++dropped;
      lock.unlock();
      if (count % kDropLogEvery == 1) {
        logger()->warn(
            "notifier={} queue full ({} events): dropped event={} node={} ({} dropped "
            "so far)",
            options.name, options.queueLimit, kindName(event.kind), event.node, count);
      }
      return;
    }
    queue.push_back(event);
    if (digest() && !windowEnds) windowEnds = Clock::now() + options.digestWindow;
    lock.unlock();
    wake.notify_one();
  }

  // Called with the mutex held.
  bool ready(Clock::time_point now) const {
    if (queue.empty()) return false;
    if (!digest() || stopping || flushers > 0) return true;
    return windowEnds && now >= *windowEnds;
  }

  bool pastDeadline() const { return deadline && Clock::now() >= *deadline; }

  void run() {
    for (;;) {
      std::unique_lock lock(mutex);
      while (!ready(Clock::now()) && !(stopping && queue.empty())) {
        if (digest() && windowEnds) {
          wake.wait_until(lock, *windowEnds);
        } else {
          wake.wait(lock);
        }
      }
      if (stopping && pastDeadline() && !queue.empty()) {
        abandon(queue.size(), "shutdown deadline passed before delivery");
        queue.clear();
      }
      if (queue.empty()) {
        idle.notify_all();
        if (stopping) return;
        continue;
      }
      std::vector<Event> batch;
      if (digest()) {
        batch.assign(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
        queue.clear();
        windowEnds.reset();
      } else {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      inFlight = batch.size();
      lock.unlock();
      deliver(batch);
      lock.lock();
      inFlight = 0;
      idle.notify_all();
    }
  }

  void abandon(std::size_t count, const std::string& why) {
    failed += count;
    logger()->error("notifier={} type={} gave up on {} queued events: {}", options.name,
                    options.type, count, why);
  }

  void deliver(const std::vector<Event>& batch) {
    std::optional<Message> message;
    try {
      message = batch.size() == 1 ? presenter.single(batch.front())
                                  : presenter.digest(batch, options.digestWindow);
    } catch (const std::exception& e) {
      abandon(batch.size(), std::string("cannot render the message: ") + e.what());
      return;
    }
    const int attempts = std::max(options.retry.attempts, 1);
    for (int attempt = 1;; ++attempt) {
      Outcome outcome = notifier->deliver(*message);
      if (outcome.ok) {
        delivered += batch.size();
        ++messages;
        logger()->debug("notifier={} delivered {} in {} ms", options.name, aboutMessage(*message),
                        outcome.elapsed.count());
        return;
      }
      if (!outcome.retryable || attempt >= attempts) {
        failed += batch.size();
        logger()->error("notifier={} type={} {}: delivery failed after {} attempt{}{}: {}",
                        options.name, options.type, aboutMessage(*message), attempt,
                        attempt == 1 ? "" : "s", outcome.retryable ? "" : " (not retryable)",
                        outcome.error);
        return;
      }
      milliseconds wait = backoffFor(options.retry, attempt,
                                     std::uniform_real_distribution<double>(0.0, 1.0)(random));
      ++retries;
      logger()->warn("notifier={} {}: attempt {}/{} failed: {}; retrying in {} ms", options.name,
                     aboutMessage(*message), attempt, attempts, outcome.error, wait.count());
      if (!sleep(wait)) {
        failed += batch.size();
        logger()->error("notifier={} {}: gave up at shutdown after {} attempt{}: {}", options.name,
                        aboutMessage(*message), attempt, attempt == 1 ? "" : "s", outcome.error);
        return;
      }
    }
  }

  // Waits `wait`, or less when the shutdown deadline comes first; false if it has.
  bool sleep(milliseconds wait) {
    std::unique_lock lock(mutex);
    const auto until = Clock::now() + wait;
    for (;;) {
      auto limit = deadline ? std::min(until, *deadline) : until;
      if (Clock::now() >= limit) break;
      wake.wait_until(lock, limit);
    }
    return !pastDeadline();
  }

  ChannelStats stats() {
    ChannelStats out{options.name,   options.type,   delivered.load(), failed.load(),
                     dropped.load(), retries.load(), messages.load(),  0};
    std::lock_guard lock(mutex);
    out.queued = queue.size() + inFlight;
    return out;
  }
};

namespace {

std::vector<Dispatcher::Channel> buildChannels(const NotifyConfig& config) {
  std::vector<Dispatcher::Channel> channels;
  for (const auto& notifier : config.notifiers) {
    channels.push_back(Dispatcher::Channel{notifier.options, makeNotifier(notifier)});
  }
  return channels;
}

}  // namespace

Dispatcher::Dispatcher(const NotifyConfig& config) : Dispatcher(buildChannels(config)) {}

Dispatcher::Dispatcher(std::vector<Channel> channels) {
  for (auto& channel : channels) {
    workers_.push_back(
        std::make_unique<Worker>(std::move(channel.options), std::move(channel.notifier)));
  }
  for (auto& worker : workers_) {
    worker->notifier->start();
    worker->thread = std::thread([w = worker.get()] { w->run(); });
  }
}

Dispatcher::~Dispatcher() { shutdown(kDefaultShutdown); }

void Dispatcher::publish(const Event& event) noexcept {
  for (auto& worker : workers_) {
    try {
      if (worker->accepts(event.kind)) worker->push(event);
    } catch (...) {
      ++worker->dropped;  // out of memory: losing a notification must not stop provisioning
    }
  }
}

bool Dispatcher::flush(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto& worker : workers_) {
    std::lock_guard lock(worker->mutex);
    ++worker->flushers;
    worker->wake.notify_all();
  }
  bool all = true;
  for (auto& worker : workers_) {
    std::unique_lock lock(worker->mutex);
    all = worker->idle.wait_until(lock, deadline, [&] {
      return worker->queue.empty() && worker->inFlight == 0;
    }) && all;
  }
  for (auto& worker : workers_) {
    std::lock_guard lock(worker->mutex);
    --worker->flushers;
  }
  return all;
}

void Dispatcher::shutdown(milliseconds timeout) {
  if (shutDown_.exchange(true)) return;
  const auto deadline = Clock::now() + timeout;
  for (auto& worker : workers_) {
    std::lock_guard lock(worker->mutex);
    worker->deadline = deadline;
  }
  flush(timeout);
  for (auto& worker : workers_) {
    {
      std::lock_guard lock(worker->mutex);
      worker->stopping = true;
    }
    worker->wake.notify_all();
  }
  // Stopping a notifier first cuts short an attempt still waiting on its server (an XMPP
  // message waiting for a login), so the join below does not outlast the deadline by a
  // whole delivery timeout.
  for (auto& worker : workers_) worker->notifier->stop();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

std::vector<ChannelStats> Dispatcher::stats() const {
  std::vector<ChannelStats> out;
  for (const auto& worker : workers_) out.push_back(worker->stats());
  return out;
}

std::string prometheusText(const std::vector<ChannelStats>& stats) {
  std::string out =
      "# HELP drover_notifiers_events_total Events per notifier by outcome.\n"
      "# TYPE drover_notifiers_events_total counter\n";
  for (const auto& s : stats) {
    std::string labels =
        "notifier=\"" + prometheusLabel(s.name) + "\",type=\"" + prometheusLabel(s.type) + "\"";
    out += "drover_notifiers_events_total{" + labels + ",outcome=\"delivered\"} " +
           std::to_string(s.delivered) + "\n";
    out += "drover_notifiers_events_total{" + labels + ",outcome=\"failed\"} " +
           std::to_string(s.failed) + "\n";
    out += "drover_notifiers_events_total{" + labels + ",outcome=\"dropped\"} " +
           std::to_string(s.dropped) + "\n";
  }
  auto metric = [&](const char* name, const char* type, const char* help, auto field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& s : stats) {
      out += std::string(name) + "{notifier=\"" + prometheusLabel(s.name) + "\",type=\"" +
             prometheusLabel(s.type) + "\"} " + std::to_string(field(s)) + "\n";
    }
  };
  metric("drover_notifiers_retries_total", "counter", "Delivery attempts after a failed one.",
         [](const ChannelStats& s) { return s.retries; });
  metric("drover_notifiers_messages_total", "counter", "Messages sent (a digest counts once).",
         [](const ChannelStats& s) { return s.messages; });
  metric("drover_notifiers_queued", "gauge", "Events waiting for delivery.",
         [](const ChannelStats& s) { return s.queued; });
  return out;
}

}  // namespace drover::notifiers
