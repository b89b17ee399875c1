// The XMPP notifier against a real Prosody: direct messages and room posts arrive with the
// exact text, a burst becomes one digest, one login serves many messages, the connection
// comes back after a server restart, and a refused login or an untrusted certificate is
// logged and counted. That publish() never waits for a delivery, whatever the channel,
// is the Dispatcher's (tests/unit/notifiers/dispatcher_test.cpp).
#include <gtest/gtest.h>

#include "notify_it.hpp"
#include "tests/support/notify_servers.hpp"

namespace drover::notifiers {
namespace {

using namespace std::chrono_literals;
using drover::testing::ProsodyServer;
using drover::testing::TempDir;
using drover::testing::XmppReceiver;
using testing::makeEvent;

constexpr const char* kProvisioner = "provisioner@example.test";
constexpr const char* kAdmin = "admin@example.test";

class XmppNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ProsodyServer>(
        dir_ / "prosody", std::vector<ProsodyServer::Account>{{"provisioner", "provisioner-secret"},
                                                              {"admin", "admin-secret"}});
    room_ = "alerts@" + server_->mucService();
  }

  // The notifier's YAML; `password` goes into its password file.
  std::string yaml(const std::string& password, const std::string& extra = "",
                   const std::string& caFile = "") {
    auto passwordFile = dir_.write("xmpp.pass", password + "\n");
    return testing::fill(R"(notifiers:
  chat:
    type: xmpp
    jid: provisioner@example.test/drover
    password_file: ${PASS}
    server: 127.0.0.1
    port: ${PORT}
    ca_file: ${CA}
    to: [admin@example.test]
    rooms: [${ROOM}]
    events: [provisioned, failed]
    connect_timeout: 3s
)" + extra,
                         {{"PASS", passwordFile.string()},
                          {"PORT", std::to_string(server_->port())},
                          {"CA", caFile.empty() ? server_->caFile().string() : caFile},
                          {"ROOM", room_}});
  }

  std::unique_ptr<XmppReceiver> receiver(const std::string& name) {
    auto r = std::make_unique<XmppReceiver>(dir_ / name, *server_, kAdmin, "admin-secret", room_);
    EXPECT_TRUE(r->waitReady(20s)) << r->log();
    return r;
  }

  TempDir dir_;
  std::unique_ptr<ProsodyServer> server_;
  std::string room_;
};

std::vector<std::string> bodies(const std::vector<Json>& messages, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    if (m["type"] == type) out.push_back(m["body"]);
  }
  return out;
}

TEST_F(XmppNotifyTest, ProvisionedAndFailedArriveAsDirectAndRoomMessages) {
  auto admin = receiver("admin");
  auto dispatcher = testing::dispatcherFrom(yaml("provisioner-secret", "    digest_window: 0s\n"));
  dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  dispatcher->publish(makeEvent(EventKind::Retried, "web8"));  // not routed to this notifier
  ASSERT_TRUE(dispatcher->flush(30s));

  auto got = admin->waitFor(4, 10s);
  ASSERT_EQ(got.size(), 4u) << admin->log();
  EXPECT_EQ(bodies(got, "chat"),
            (std::vector<std::string>{testing::kProvisionedText, testing::kFailedText}));
  EXPECT_EQ(bodies(got, "groupchat"),
            (std::vector<std::string>{testing::kProvisionedText, testing::kFailedText}));
  for (const auto& m : got) {
    EXPECT_EQ(m["from"], m["type"] == "chat" ? kProvisioner : room_ + "/drover");
  }
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].delivered, 2u);
  EXPECT_EQ(stats[0].failed, 0u);
  // Both messages went over the one connection.
  EXPECT_EQ(testing::count(server_->log(), "Authenticated as provisioner@example.test"), 1u)
      << server_->log();
}

TEST_F(XmppNotifyTest, BurstOfHundredBecomesOneDigestPerTarget) {
  auto admin = receiver("admin");
  auto dispatcher = testing::dispatcherFrom(yaml("provisioner-secret", "    digest_window: 60s\n"));
  testing::publishBurst(*dispatcher);
  ASSERT_TRUE(dispatcher->flush(30s));  // closes the window now
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].messages, 1u);
  EXPECT_EQ(stats[0].delivered, 100u);
  // A last event, sent after the burst: once it is in, whatever came before it is too
  // (each route keeps its order).
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto got = admin->waitFor(4, 10s);
  for (const std::string type : {"chat", "groupchat"}) {
    auto texts = bodies(got, type);
    ASSERT_EQ(texts.size(), 2u) << type << "\n" << admin->log();
    EXPECT_EQ(texts[0].substr(0, texts[0].find('\n')), testing::kBurstSummary);
    EXPECT_NE(texts[0].find("\nweb0 provisioned via puppet-eu1.example.com in 4 min 12 s\n"),
              std::string::npos);
    EXPECT_EQ(texts[1], testing::kFailedText);
  }
}

TEST_F(XmppNotifyTest, ReconnectsAfterTheServerRestarts) {
  auto dispatcher = testing::dispatcherFrom(
      yaml("provisioner-secret", "    digest_window: 0s\n    timeout: 20s\n"));
  {
    auto admin = receiver("before");
    dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
    ASSERT_TRUE(dispatcher->flush(30s));
    ASSERT_EQ(admin->waitFor(2, 10s).size(), 2u);
  }
  server_->restart();
  auto admin = receiver("after");
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(40s));
  auto got = admin->waitFor(2, 10s);
  EXPECT_EQ(bodies(got, "chat"), std::vector<std::string>{testing::kFailedText});
  EXPECT_EQ(bodies(got, "groupchat"), std::vector<std::string>{testing::kFailedText});
  EXPECT_EQ(dispatcher->stats()[0].delivered, 2u);
  EXPECT_EQ(dispatcher->stats()[0].failed, 0u);
}

TEST_F(XmppNotifyTest, RefusedLoginIsLoggedAndCountedWithoutBlockingPublish) {
  testing::LogCapture logs;
  auto dispatcher = testing::dispatcherFrom(yaml(
      "wrong-password",
      "    digest_window: 0s\n    timeout: 1s\n    retry_attempts: 2\n    retry_backoff: 100ms\n"));
  for (int i = 0; i < 3; ++i) dispatcher->publish(makeEvent(EventKind::Provisioned, "web1"));
  ASSERT_TRUE(dispatcher->flush(60s));
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].failed, 3u);
  EXPECT_EQ(stats[0].delivered, 0u);
  dispatcher->shutdown(5s);
  std::string text = logs.text();
  EXPECT_NE(
      text.find("notifier=chat could not log in to 127.0.0.1:" + std::to_string(server_->port()) +
                ": login as provisioner@example.test/drover refused: wrong password"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("error drover.notify: notifier=chat type=xmpp event=provisioned node=web1: "
                      "delivery failed after 2 attempts: not sent within 1000 ms"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("wrong-password"), std::string::npos) << "the password was logged";
}

TEST_F(XmppNotifyTest, ServerDownNeitherBlocksPublishNorShutdown) {
  std::string config = yaml("provisioner-secret", "    digest_window: 0s\n    timeout: 30s\n");
  // Nothing listens on this port: the chat server is down.
  const std::string port = std::to_string(server_->port());
  config.replace(config.find("port: " + port), 6 + port.size(),
                 "port: " + std::to_string(drover::testing::freePort()));
  testing::LogCapture logs;
  auto dispatcher = testing::dispatcherFrom(config);
  for (int i = 0; i < 10; ++i) dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  // The first attempt waits (up to its 30 s timeout) for a login that cannot happen.
  ASSERT_TRUE(logs.waitFor("notifier=chat could not log in to 127.0.0.1:", 30s)) << logs.text();
  dispatcher->shutdown(1s);
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].failed, 10u);
  EXPECT_EQ(stats[0].delivered, 0u);
  // The attempt was cut short and the events behind it given up on: retrying each as told
  // would make 40 retries (and take minutes).
  EXPECT_LT(stats[0].retries, 40u);
  EXPECT_NE(logs.text().find("gave up"), std::string::npos) << logs.text();
  EXPECT_NE(logs.text().find("Connection refused"), std::string::npos) << logs.text();
}

TEST_F(XmppNotifyTest, UntrustedCertificateFailsCleanly) {
  auto [otherCa, otherKey] =
      drover::testing::makeSelfSignedCert(dir_ / "other", "other.test", "DNS:other.test");
  testing::LogCapture logs;
  auto dispatcher = testing::dispatcherFrom(
      yaml("provisioner-secret", "    digest_window: 0s\n    timeout: 2s\n    retry_attempts: 1\n",
           otherCa.string()));
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  EXPECT_EQ(dispatcher->stats()[0].failed, 1u);
  dispatcher->shutdown(5s);
  EXPECT_NE(logs.text().find("TLS: the certificate of example.test is not trusted"),
            std::string::npos)
      << logs.text();
  EXPECT_EQ(testing::count(server_->log(), "Authenticated as"), 0u);
}

}  // namespace
}  // namespace drover::notifiers
