// The Dispatcher: routing, digests, retries with backoff, the queue bound, failures that
// are logged and counted, and shutdown.
#include <future>
#include <regex>

#include <gtest/gtest.h>

#include "notifiers/dispatcher.hpp"
#include "notify_test_util.hpp"

namespace drover::notifiers {
namespace {

using namespace std::chrono_literals;
using testing::LogCapture;
using testing::makeEvent;
using testing::RecordingNotifier;
using Shared = RecordingNotifier::Shared;

Dispatcher::Channel channel(ChannelOptions options, std::shared_ptr<Shared> shared,
                            std::string secret = "") {
  auto notifier =
      std::make_unique<RecordingNotifier>(options.name, std::move(shared), std::move(secret));
  return Dispatcher::Channel{std::move(options), std::move(notifier)};
}

std::vector<Dispatcher::Channel> channels(Dispatcher::Channel a) {
  std::vector<Dispatcher::Channel> out;
  out.push_back(std::move(a));
  return out;
}

// Runs `publishing` on its own thread and says whether it returned while the channel of
// `held` still hangs in send(). publish() only queues, so it must; the bound, far above
// what queueing takes, only keeps a publish() that waits from hanging the test.
bool returnsWhileHeld(Shared& held, const std::function<void()>& publishing) {
  auto done = std::async(std::launch::async, publishing);
  if (done.wait_for(30s) == std::future_status::ready) return true;
  RecordingNotifier::release(held);  // lets the waiting publish() and the test end
  return false;
}

bool waitForMessages(Shared& shared, std::size_t count) {
  std::unique_lock lock(shared.mutex);
  return shared.changed.wait_for(lock, 30s, [&] { return shared.messages.size() >= count; });
}

bool noMessages(Shared& shared) {
  std::lock_guard lock(shared.mutex);
  return shared.messages.empty();
}

// The waits announced in "retrying in N ms" lines, in order.
std::vector<long> announcedWaits(const std::string& log) {
  static const std::regex retrying("retrying in ([0-9]+) ms");
  std::vector<long> out;
  for (std::sregex_iterator it(log.begin(), log.end(), retrying), end; it != end; ++it) {
    out.push_back(std::stol((*it)[1].str()));
  }
  return out;
}

const ChannelStats& statsOf(const std::vector<ChannelStats>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no channel " + name);
}

TEST(Dispatcher, RoutesByEventKind) {
  auto all = std::make_shared<Shared>();
  auto failures = std::make_shared<Shared>();
  ChannelOptions onlyFailed = testing::options("pager");
  onlyFailed.events = {EventKind::Failed};
  std::vector<Dispatcher::Channel> list;
  list.push_back(channel(testing::options("log"), all));
  list.push_back(channel(onlyFailed, failures));
  Dispatcher dispatcher(std::move(list));
  dispatcher.publish(makeEvent(EventKind::Provisioned, "a"));
  dispatcher.publish(makeEvent(EventKind::Failed, "b"));
  dispatcher.publish(makeEvent(EventKind::Test, "c"));  // reaches every notifier
  ASSERT_TRUE(dispatcher.flush(5s));
  EXPECT_EQ(all->messages.size(), 3u);
  ASSERT_EQ(failures->messages.size(), 2u);
  EXPECT_EQ(failures->messages[0].document["node"], "b");
  EXPECT_EQ(failures->messages[1].document["event"], "test");
  auto stats = dispatcher.stats();
  EXPECT_EQ(statsOf(stats, "log").delivered, 3u);
  EXPECT_EQ(statsOf(stats, "pager").delivered, 2u);
}

TEST(Dispatcher, DigestCollapsesABurstOfHundredIntoOneMessagePerChannel) {
  auto chat = std::make_shared<Shared>();
  auto mail = std::make_shared<Shared>();
  auto hook = std::make_shared<Shared>();
  ChannelOptions chatOptions = testing::options("chat");
  chatOptions.digestWindow = 60s;
  ChannelOptions mailOptions = testing::options("mail");
  mailOptions.digestWindow = 60s;
  std::vector<Dispatcher::Channel> list;
  list.push_back(channel(chatOptions, chat));
  list.push_back(channel(mailOptions, mail));
  list.push_back(channel(testing::options("hook"), hook));  // per event
  hook->hold = true;  // hangs in its first send(), as a dead server would
  Dispatcher dispatcher(std::move(list));

  ASSERT_TRUE(returnsWhileHeld(*hook, [&] {
    for (int i = 0; i < 98; ++i) {
      dispatcher.publish(makeEvent(EventKind::Provisioned, "web" + std::to_string(i)));
    }
    dispatcher.publish(makeEvent(EventKind::Failed, "db1"));
    dispatcher.publish(makeEvent(EventKind::Failed, "db2"));
  })) << "publish() waited for a delivery";
  RecordingNotifier::release(*hook);

  // The per-event channel has every event: the windows are still open, so nothing has
  // gone to the people channels yet.
  ASSERT_TRUE(waitForMessages(*hook, 100));
  EXPECT_TRUE(noMessages(*chat));
  EXPECT_TRUE(noMessages(*mail));
  ASSERT_TRUE(dispatcher.flush(5s));  // closes the windows now

  for (auto* shared : {chat.get(), mail.get()}) {
    ASSERT_EQ(shared->messages.size(), 1u);
    const Message& digest = shared->messages.front();
    EXPECT_TRUE(digest.digest);
    EXPECT_EQ(digest.eventCount, 100u);
    EXPECT_EQ(digest.text.substr(0, digest.text.find(':')),
              "98 nodes provisioned in eu-west-1 in the last 60 s, 2 failed");
  }
  EXPECT_EQ(hook->messages.size(), 100u);
  auto stats = dispatcher.stats();
  EXPECT_EQ(statsOf(stats, "chat").delivered, 100u);
  EXPECT_EQ(statsOf(stats, "chat").messages, 1u);
  EXPECT_EQ(statsOf(stats, "hook").messages, 100u);
}

TEST(Dispatcher, DigestWindowClosesByItself) {
  auto chat = std::make_shared<Shared>();
  ChannelOptions options = testing::options("chat");
  options.digestWindow = 300ms;
  Dispatcher dispatcher(channels(channel(options, chat)));
  for (int i = 0; i < 5; ++i) dispatcher.publish(makeEvent(EventKind::Provisioned, "n"));
  std::unique_lock lock(chat->mutex);
  ASSERT_TRUE(chat->changed.wait_for(lock, 5s, [&] { return !chat->messages.empty(); }));
  EXPECT_EQ(chat->messages.front().eventCount, 5u);
}

TEST(Dispatcher, SingleEventInAWindowReadsAsItself) {
  auto chat = std::make_shared<Shared>();
  ChannelOptions options = testing::options("chat");
  options.digestWindow = 60s;
  Dispatcher dispatcher(channels(channel(options, chat)));
  dispatcher.publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher.flush(5s));
  ASSERT_EQ(chat->messages.size(), 1u);
  EXPECT_FALSE(chat->messages[0].digest);
  EXPECT_EQ(chat->messages[0].text, "web1 provisioned via puppet-eu1.example.com in 4 min 12 s");
}

TEST(Dispatcher, RetriesWithBackoffThenDelivers) {
  auto shared = std::make_shared<Shared>();
  shared->failFirst = 2;
  ChannelOptions options = testing::options("hook");
  options.retry = RetryPolicy{3, 100ms, 1s};
  LogCapture logs;
  Dispatcher dispatcher(channels(channel(options, shared)));
  dispatcher.publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher.flush(10s));
  // Waits of 100 ms and 200 ms, each cut by up to half.
  auto waits = announcedWaits(logs.text());
  ASSERT_EQ(waits.size(), 2u) << logs.text();
  EXPECT_GE(waits[0], 50);
  EXPECT_LE(waits[0], 100);
  EXPECT_GE(waits[1], 100);
  EXPECT_LE(waits[1], 200);
  EXPECT_EQ(shared->attempts, 3);
  ASSERT_EQ(shared->messages.size(), 1u);
  auto stats = dispatcher.stats();
  EXPECT_EQ(stats[0].delivered, 1u);
  EXPECT_EQ(stats[0].retries, 2u);
  EXPECT_EQ(stats[0].failed, 0u);
  EXPECT_NE(logs.text().find("notifier=hook event=provisioned node=web1: attempt 1/3 failed: "
                             "receiver unavailable; retrying in"),
            std::string::npos)
      << logs.text();
}

TEST(Dispatcher, BackoffDoublesUpToTheCapWithJitter) {
  RetryPolicy policy{10, 1000ms, 8000ms};
  EXPECT_EQ(backoffFor(policy, 1, 0.0), 1000ms);
  EXPECT_EQ(backoffFor(policy, 2, 0.0), 2000ms);
  EXPECT_EQ(backoffFor(policy, 3, 0.0), 4000ms);
  EXPECT_EQ(backoffFor(policy, 4, 0.0), 8000ms);
  EXPECT_EQ(backoffFor(policy, 9, 0.0), 8000ms);
  EXPECT_EQ(backoffFor(policy, 2, 1.0), 1000ms);  // at most half is taken off
  EXPECT_EQ(backoffFor(policy, 2, 0.5), 1500ms);
}

TEST(Dispatcher, FinalFailureIsLoggedAndCountedNotRaised) {
  auto shared = std::make_shared<Shared>();
  shared->failAlways = true;
  LogCapture logs;
  Dispatcher dispatcher(channels(channel(testing::options("hook"), shared)));
  dispatcher.publish(makeEvent(EventKind::Failed, "web9"));
  ASSERT_TRUE(dispatcher.flush(10s));
  EXPECT_EQ(shared->attempts, 3);
  auto stats = dispatcher.stats();
  EXPECT_EQ(stats[0].failed, 1u);
  EXPECT_EQ(stats[0].delivered, 0u);
  EXPECT_NE(logs.text().find("error drover.notify: notifier=hook type=recording event=failed "
                             "node=web9: delivery failed after 3 attempts: receiver unavailable"),
            std::string::npos)
      << logs.text();
  EXPECT_NE(prometheusText(stats).find("drover_notifiers_events_total{notifier=\"hook\",type="
                                       "\"recording\",outcome=\"failed\"} 1"),
            std::string::npos);
}

TEST(Dispatcher, PermanentErrorsAreNotRetried) {
  auto shared = std::make_shared<Shared>();
  shared->failAlways = true;
  shared->permanent = true;
  Dispatcher dispatcher(channels(channel(testing::options("hook"), shared)));
  dispatcher.publish(makeEvent(EventKind::Failed, "web9"));
  ASSERT_TRUE(dispatcher.flush(5s));
  EXPECT_EQ(shared->attempts, 1);
  EXPECT_EQ(dispatcher.stats()[0].failed, 1u);
  EXPECT_EQ(dispatcher.stats()[0].retries, 0u);
}

TEST(Dispatcher, FullQueueDropsAndCountsWithoutBlocking) {
  auto shared = std::make_shared<Shared>();
  shared->hold = true;  // the channel hangs, as a dead server would
  ChannelOptions options = testing::options("slow");
  options.queueLimit = 5;
  LogCapture logs;
  Dispatcher dispatcher(channels(channel(options, shared)));
  dispatcher.publish(makeEvent(EventKind::Provisioned, "first"));
  {
    std::unique_lock lock(shared->mutex);
    // The worker holds "first" in send(); it has left the queue.
    ASSERT_TRUE(shared->changed.wait_for(lock, 5s, [&] { return shared->entered == 1; }));
  }
  ASSERT_TRUE(returnsWhileHeld(*shared, [&] {
    for (int i = 0; i < 20; ++i) dispatcher.publish(makeEvent(EventKind::Provisioned, "n"));
  })) << "publish() waited for room in the queue";
  auto stats = dispatcher.stats();
  EXPECT_EQ(stats[0].dropped, 15u);
  EXPECT_EQ(stats[0].queued, 6u);  // 5 waiting + 1 in flight
  EXPECT_NE(logs.text().find("notifier=slow queue full (5 events): dropped event=provisioned"),
            std::string::npos)
      << logs.text();
  RecordingNotifier::release(*shared);
  ASSERT_TRUE(dispatcher.flush(5s));
  EXPECT_EQ(dispatcher.stats()[0].delivered, 6u);
}

TEST(Dispatcher, ShutdownGivesUpAtItsDeadlineAndCountsTheRest) {
  auto shared = std::make_shared<Shared>();
  shared->failAlways = true;
  ChannelOptions options = testing::options("down");
  options.retry = RetryPolicy{100, 1s, 1s};
  Dispatcher dispatcher(channels(channel(options, shared)));
  for (int i = 0; i < 3; ++i) dispatcher.publish(makeEvent(EventKind::Provisioned, "n"));
  // Retrying as told takes minutes (99 waits of 0.5 to 1 s for each event); the bound is
  // far below that and far above the 300 ms deadline.
  auto stopping = std::async(std::launch::async, [&] { dispatcher.shutdown(300ms); });
  ASSERT_EQ(stopping.wait_for(60s), std::future_status::ready) << "shutdown() kept retrying";
  auto stats = dispatcher.stats();
  EXPECT_LT(stats[0].retries, 10u) << "gave up at the deadline, not when the retries ran out";
  EXPECT_EQ(stats[0].failed, 3u);
  EXPECT_EQ(stats[0].delivered, 0u);
  dispatcher.publish(makeEvent(EventKind::Provisioned, "late"));  // dropped, not crashed
  EXPECT_EQ(dispatcher.stats()[0].dropped, 1u);
}

TEST(Dispatcher, SecretsNeverReachTheLog) {
  auto shared = std::make_shared<Shared>();
  shared->failAlways = true;
  shared->errorText = "login as drover with password hunter2-secret refused";
  LogCapture logs;
  Dispatcher dispatcher(channels(channel(testing::options("mail"), shared, "hunter2-secret")));
  dispatcher.publish(makeEvent(EventKind::Failed, "web9"));
  ASSERT_TRUE(dispatcher.flush(5s));
  std::string text = logs.text();
  EXPECT_EQ(text.find("hunter2-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("login as drover with password *** refused"), std::string::npos) << text;
}

}  // namespace
}  // namespace drover::notifiers
