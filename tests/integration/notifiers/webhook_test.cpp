// The webhook notifier against a real HTTP receiver that checks the HMAC signature with
// its own implementation; retries on 503 with one delivery id; a 4xx is final. And
// `drover notify test` run as an operator would, against the same receivers.
#include <gtest/gtest.h>

#include "core/util/subprocess.hpp"
#include "notify_it.hpp"
#include "tests/support/notify_servers.hpp"

namespace drover::notifiers {
namespace {

using namespace std::chrono_literals;
using drover::testing::SmtpSink;
using drover::testing::TempDir;
using drover::testing::WebhookSink;
using testing::makeEvent;

class WebhookNotifyTest : public ::testing::Test {
 protected:
  std::string yaml(const WebhookSink& sink, const std::string& key, const std::string& extra = "") {
    return testing::fill(R"(notifiers:
  hook:
    type: webhook
    url: ${URL}
    hmac_key_file: ${KEY}
    facts: [region]
    events: [provisioned, failed]
    retry_backoff: 50ms
)" + extra,
                         {{"URL", sink.url()}, {"KEY", dir_.write("hook.key", key).string()}});
  }

  TempDir dir_;
};

TEST_F(WebhookNotifyTest, SignedJsonDocumentArrives) {
  WebhookSink sink(dir_ / "sink", {"hook-shared-key", 200, 0});
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "hook-shared-key"));
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto requests = sink.waitFor(1, 5s);
  ASSERT_EQ(requests.size(), 1u);
  const Json& request = requests[0];
  EXPECT_EQ(request["path"], "/drover");
  EXPECT_TRUE(request["signature_ok"].get<bool>()) << request.dump(2);
  EXPECT_EQ(request["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(request["headers"]["X-Drover-Event"], "failed");
  EXPECT_EQ(request["headers"]["X-Drover-Delivery"].get<std::string>().size(), 32u);
  Json body = Json::parse(request["body"].get<std::string>());
  EXPECT_EQ(body["event"], "failed");
  EXPECT_EQ(body["node"], "web7");
  EXPECT_EQ(body["master"], "puppet-eu1.example.com");
  EXPECT_EQ(body["facts"], Json({{"region", "eu-west-1"}}));  // only the chosen facts
  EXPECT_EQ(body["failed_step"], "sign_certificate");
  EXPECT_EQ(body["error"], "puppetca sign timed out after 30 s");
  EXPECT_EQ(body["steps"][1], Json({{"name", "sign_certificate"},
                                    {"duration_ms", 30000},
                                    {"ok", false},
                                    {"error", "puppetca sign timed out after 30 s"}}));
  EXPECT_EQ(body["text"], testing::kFailedText);
  EXPECT_EQ(dispatcher->stats()[0].delivered, 1u);
}

TEST_F(WebhookNotifyTest, ReceiverRejectsAWrongKey) {
  WebhookSink sink(dir_ / "sink", {"hook-shared-key", 200, 0});
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "some-other-key"));
  dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto requests = sink.waitFor(1, 5s);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0]["signature_ok"].get<bool>());
}

TEST_F(WebhookNotifyTest, RetriesOn503WithOneDeliveryId) {
  WebhookSink sink(dir_ / "sink", {"k", 200, 2});
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "k"));
  dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto requests = sink.waitFor(3, 5s);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0]["status"], 503);
  EXPECT_EQ(requests[2]["status"], 200);
  EXPECT_EQ(requests[0]["headers"]["X-Drover-Delivery"],
            requests[2]["headers"]["X-Drover-Delivery"]);
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].delivered, 1u);
  EXPECT_EQ(stats[0].retries, 2u);
}

TEST_F(WebhookNotifyTest, ClientErrorIsFinal) {
  WebhookSink sink(dir_ / "sink", {"client-error-key", 400, 0});
  testing::LogCapture logs;
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "client-error-key"));
  dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher->flush(30s));
  EXPECT_EQ(sink.requests().size(), 1u);
  EXPECT_EQ(dispatcher->stats()[0].failed, 1u);
  dispatcher->shutdown(5s);
  EXPECT_NE(logs.text().find("(not retryable): POST " + sink.url() +
                             ": HTTP 400: {\"error\": \"test sink says no\"}"),
            std::string::npos)
      << logs.text();
}

TEST_F(WebhookNotifyTest, NotifyTestCommandReportsEachNotifier) {
  WebhookSink hook(dir_ / "hook", {"k", 200, 0});
  SmtpSink mail(dir_ / "mail", {true, "drover:mail-secret"});
  auto config = dir_.write("provisioner.yaml",
                           testing::fill(R"(broker: tcp://127.0.0.1:7300
notifiers:
  hook:
    type: webhook
    url: ${HOOK}
  mail:
    type: email
    url: ${MAIL}
    from: drover@example.test
    to: ops@example.test
    username: drover
    password_file: ${PASS}
    ca_file: ${CA}
  down:
    type: webhook
    url: http://127.0.0.1:${FREE}/nothing
    timeout: 2s
)",
                                         {{"HOOK", hook.url()},
                                          {"MAIL", mail.url()},
                                          {"PASS", dir_.write("smtp.pass", "mail-secret").string()},
                                          {"CA", mail.caFile().string()},
                                          {"FREE", std::to_string(drover::testing::freePort())}}));
  auto drover = drover::testing::binary("drover").string();

  auto result = util::runProcess({drover, "notify", "test", "--config", config.string()}, "", 60s);
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("hook                 webhook  ok ("), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("mail                 email    ok ("), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("down                 webhook  FAILED: POST http://127.0.0.1:"),
            std::string::npos)
      << result.out;
  ASSERT_EQ(mail.waitFor(1, 5s).size(), 1u);
  EXPECT_NE(mail.mails()[0].raw.find("Subject: [drover] notification test"), std::string::npos);
  EXPECT_EQ(Json::parse(hook.waitFor(1, 5s)[0]["body"].get<std::string>())["event"], "test");

  result = util::runProcess(
      {drover, "notify", "test", "--config", config.string(), "--notifier", "hook"}, "", 60s);
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
  EXPECT_EQ(hook.waitFor(2, 5s).size(), 2u);

  result = util::runProcess(
      {drover, "notify", "test", "--config", config.string(), "--notifier", "pager"}, "", 60s);
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_NE(result.err.find("no notifier 'pager' in " + config.string() +
                            " (configured: hook, mail, down)"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace drover::notifiers
