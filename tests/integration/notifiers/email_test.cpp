// The email notifier against a real SMTP server (aiosmtpd) with STARTTLS and AUTH
// required: recipients, headers and body as they arrive; one mail for a burst; a refused
// login and a server that is down are logged and counted. That publish() never waits for a
// delivery is the Dispatcher's (tests/unit/notifiers/dispatcher_test.cpp).
#include <regex>

#include <gtest/gtest.h>

#include "notify_it.hpp"
#include "tests/support/notify_servers.hpp"

namespace drover::notifiers {
namespace {

using namespace std::chrono_literals;
using drover::testing::SmtpSink;
using drover::testing::TempDir;
using testing::makeEvent;

// Header `name` of a raw message (unfolded), or "".
std::string header(const std::string& raw, const std::string& name) {
  std::regex pattern("(^|\r\n)" + name + ": ([^\r\n]*)", std::regex::icase);
  std::smatch match;
  return std::regex_search(raw, match, pattern) ? match[2].str() : "";
}

std::string bodyOf(const std::string& raw) { return raw.substr(raw.find("\r\n\r\n") + 4); }

class EmailNotifyTest : public ::testing::Test {
 protected:
  std::string yaml(const SmtpSink& sink, const std::string& password,
                   const std::string& extra = "") {
    auto passwordFile = dir_.write("smtp.pass", password + "\n");
    return testing::fill(
        R"(notifiers:
  mail:
    type: email
    url: ${URL}
    from: drover@example.test
    to: [ops@example.test, oncall@example.test]
    username: drover
    password_file: ${PASS}
    ca_file: ${CA}
    helo: provisioner.example.test
    events: [provisioned, failed]
)" + extra,
        {{"URL", sink.url()}, {"PASS", passwordFile.string()}, {"CA", sink.caFile().string()}});
  }

  TempDir dir_;
};

TEST_F(EmailNotifyTest, StartTlsAuthMailReachesEveryRecipient) {
  SmtpSink sink(dir_ / "sink", {true, "drover:mail-secret"});
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "mail-secret", "    digest_window: 0s\n"));
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto mails = sink.waitFor(1, 5s);
  ASSERT_EQ(mails.size(), 1u) << sink.log();
  const auto& mail = mails.front();
  EXPECT_EQ(mail.envelope["mail_from"], "drover@example.test");
  EXPECT_EQ(mail.envelope["rcpt_tos"], Json({"ops@example.test", "oncall@example.test"}));
  EXPECT_EQ(mail.envelope["tls"], true);
  EXPECT_EQ(mail.envelope["auth_user"], "drover");

  EXPECT_EQ(header(mail.raw, "Subject"), "[drover] web7 failed at sign_certificate");
  EXPECT_EQ(header(mail.raw, "From"), "Drover <drover@example.test>");
  EXPECT_EQ(header(mail.raw, "To"), "ops@example.test, oncall@example.test");
  EXPECT_TRUE(
      std::regex_match(header(mail.raw, "Date"),
                       std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                  "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20[0-9]{2} "
                                  "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] \\+0000")))
      << header(mail.raw, "Date");
  EXPECT_TRUE(std::regex_match(header(mail.raw, "Message-ID"),
                               std::regex("<[0-9a-f]{32}\\.[0-9]+@example\\.test>")))
      << header(mail.raw, "Message-ID");
  EXPECT_EQ(header(mail.raw, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header(mail.raw, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(bodyOf(mail.raw), std::string(testing::kFailedText) + "\r\n");
  EXPECT_EQ(dispatcher->stats()[0].delivered, 1u);
}

TEST_F(EmailNotifyTest, BurstOfHundredBecomesOneMail) {
  SmtpSink sink(dir_ / "sink", {true, "drover:mail-secret"});
  auto dispatcher = testing::dispatcherFrom(yaml(sink, "mail-secret"));  // digest by default
  testing::publishBurst(*dispatcher);
  ASSERT_TRUE(dispatcher->flush(30s));
  EXPECT_EQ(dispatcher->stats()[0].delivered, 100u);
  EXPECT_EQ(dispatcher->stats()[0].messages, 1u);
  // A last mail, sent after the burst's: once it is in, whatever came before it is too.
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto mails = sink.waitFor(2, 10s);
  ASSERT_EQ(mails.size(), 2u) << sink.log();
  EXPECT_EQ(header(mails[1].raw, "Subject"), "[drover] web7 failed at sign_certificate");
  EXPECT_EQ(header(mails[0].raw, "Subject"),
            "[drover] 98 nodes provisioned in eu-west-1 in the last 60 s, 2 failed");
  std::string body = bodyOf(mails[0].raw);
  EXPECT_EQ(body.substr(0, body.find("\r\n")), testing::kBurstSummary);
  EXPECT_NE(body.find("\r\n... and 50 more\r\n"), std::string::npos);
}

TEST_F(EmailNotifyTest, RefusedLoginIsLoggedCountedAndNotRetried) {
  SmtpSink sink(dir_ / "sink", {true, "drover:mail-secret"});
  testing::LogCapture logs;
  auto dispatcher =
      testing::dispatcherFrom(yaml(sink, "not-the-password", "    digest_window: 0s\n"));
  dispatcher->publish(makeEvent(EventKind::Failed, "web7"));
  ASSERT_TRUE(dispatcher->flush(30s));
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].failed, 1u);
  EXPECT_EQ(stats[0].retries, 0u);
  EXPECT_TRUE(sink.mails().empty());
  dispatcher->shutdown(5s);
  std::string text = logs.text();
  EXPECT_NE(text.find("notifier=mail type=email event=failed node=web7: delivery failed after 1 "
                      "attempt (not retryable): SMTP " +
                      sink.url()),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(server reply 535)"), std::string::npos) << text;
  EXPECT_EQ(text.find("not-the-password"), std::string::npos);
}

TEST_F(EmailNotifyTest, ServerDownIsRetriedThenCountedWhileProvisioningGoesOn) {
  SmtpSink sink(dir_ / "sink", {true, "drover:mail-secret"});
  auto config = yaml(sink, "mail-secret",
                     "    digest_window: 0s\n    retry_attempts: 3\n    retry_backoff: 50ms\n"
                     "    timeout: 2s\n");
  // Nothing listens on this port: the mail server is down.
  auto port = std::to_string(drover::testing::freePort());
  config.replace(config.find(sink.url()), sink.url().size(), "smtp://127.0.0.1:" + port);
  testing::LogCapture logs;
  auto dispatcher = testing::dispatcherFrom(config);
  // A provisioning loop publishing as it finishes nodes.
  for (int i = 0; i < 20; ++i) {
    dispatcher->publish(makeEvent(EventKind::Provisioned, "web" + std::to_string(i)));
  }
  ASSERT_TRUE(dispatcher->flush(60s));
  auto stats = dispatcher->stats();
  EXPECT_EQ(stats[0].failed, 20u);
  EXPECT_EQ(stats[0].retries, 40u);
  dispatcher->shutdown(5s);
  EXPECT_NE(logs.text().find("node=web0: delivery failed after 3 attempts: SMTP smtp://127.0.0.1:" +
                             port + ": Failed to connect to 127.0.0.1 port " + port),
            std::string::npos)
      << logs.text();
}

}  // namespace
}  // namespace drover::notifiers
