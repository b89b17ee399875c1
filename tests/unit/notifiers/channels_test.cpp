// The channels that need no server: log and exec, run for real; the pieces of the webhook
// and email channels that can be checked without a network (signature, message format).
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "notifiers/email_notifier.hpp"
#include "notifiers/exec_notifier.hpp"
#include "notifiers/log_notifier.hpp"
#include "notifiers/presenter.hpp"
#include "notifiers/webhook_notifier.hpp"
#include "notify_test_util.hpp"
#include "testing/process.hpp"

namespace drover::notifiers {
namespace {

using testing::makeEvent;

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LogNotifier, AppendsOneJsonLinePerMessage) {
  drover::testing::TempDir dir;
  ChannelOptions options = testing::options("audit");
  LogNotifier notifier(options, LogSettings{dir / "notify.jsonl"});
  Presenter presenter(options);
  ASSERT_TRUE(notifier.deliver(presenter.single(makeEvent(EventKind::Provisioned, "a"))).ok);
  ASSERT_TRUE(notifier.deliver(presenter.single(makeEvent(EventKind::Failed, "b"))).ok);
  auto lines = linesOf(util::readFile(dir / "notify.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  Json second = Json::parse(lines[1]);
  EXPECT_EQ(second["event"], "failed");
  EXPECT_EQ(second["node"], "b");
  EXPECT_EQ(second["error"], "puppetca sign timed out after 30 s");
  EXPECT_TRUE(second.contains("logged_at"));
}

TEST(LogNotifier, UnwritablePathIsAnOutcomeNotAnException) {
  ChannelOptions options = testing::options("audit");
  LogNotifier notifier(options, LogSettings{"/nonexistent-dir/notify.jsonl"});
  Outcome outcome = notifier.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("cannot open /nonexistent-dir/notify.jsonl"), std::string::npos);
}

TEST(ExecNotifier, PassesTheEventOnStdinWithoutAShell) {
  drover::testing::TempDir dir;
  ChannelOptions options = testing::options("cmdb");
  options.timeout = std::chrono::seconds(10);
  // The argument with a ';' and '$(...)' must arrive as one plain argument.
  auto script = dir.write("record.sh",
                          "#!/bin/sh\nprintf '%s\\n' \"$1\" > \"$2.args\"\n"
                          "printf '%s %s\\n' \"$DROVER_EVENT\" \"$DROVER_NODE\" >> \"$2.args\"\n"
                          "cat > \"$2\"\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  auto out = dir / "event.json";
  ExecNotifier notifier(options,
                        ExecSettings{{script.string(), "x; rm -rf / $(id)", out.string()}});
  Outcome outcome =
      notifier.deliver(Presenter(options).single(makeEvent(EventKind::Provisioned, "web1")));
  ASSERT_TRUE(outcome.ok) << outcome.error;
  Json event = Json::parse(util::readFile(out));
  EXPECT_EQ(event["node"], "web1");
  EXPECT_EQ(event["facts"]["region"], "eu-west-1");
  EXPECT_EQ(util::readFile(out.string() + ".args"), "x; rm -rf / $(id)\nprovisioned web1\n");
}

TEST(ExecNotifier, FailureQuotesStderrAndStatus) {
  ChannelOptions options = testing::options("cmdb");
  ExecNotifier failing(options, ExecSettings{{"/bin/sh", "-c", "echo 'cmdb said no' >&2; exit 3"}});
  Outcome outcome = failing.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.error, "/bin/sh exited with status 3: cmdb said no");

  ExecNotifier missing(options, ExecSettings{{"/nonexistent/notify-hook"}});
  outcome = missing.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("/nonexistent/notify-hook could not be run"), std::string::npos)
      << outcome.error;

  options.timeout = std::chrono::milliseconds(200);
  ExecNotifier slow(options, ExecSettings{{"/bin/sleep", "5"}});
  outcome = slow.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_EQ(outcome.error, "/bin/sleep did not finish within 200 ms and was killed");
}

TEST(WebhookNotifier, SignatureIsHmacSha256OfTheBody) {
  EXPECT_EQ(WebhookNotifier::signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookNotifier, RefusedConnectionIsRetryableAndNamesTheUrl) {
  ChannelOptions options = testing::options("hook");
  options.timeout = std::chrono::seconds(5);
  int port = drover::testing::freePort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  WebhookNotifier notifier(options, WebhookSettings{url, std::nullopt, std::nullopt, {}});
  Outcome outcome = notifier.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(outcome.retryable);
  EXPECT_NE(outcome.error.find("POST " + url + ": Failed to connect to 127.0.0.1"),
            std::string::npos)
      << outcome.error;
}

TEST(EmailNotifier, ComposesAnRfc5322Message) {
  ChannelOptions options = testing::options("mail");
  EmailSettings settings;
  settings.url = "smtp://127.0.0.1:25";
  settings.from = "drover@example.com";
  settings.to = {"ops@example.com", "oncall@example.com"};
  EmailNotifier notifier(options, settings);
  Event event = makeEvent(EventKind::Failed, "web7");
  event.error = "line one\nline two";
  Message message = Presenter(options).single(event);
  message.subject = "Ünïcode\r\nBcc: evil@example.com";
  std::string mail = notifier.compose(message, 1'714'564'803'250);

  std::string headers = mail.substr(0, mail.find("\r\n\r\n"));
  EXPECT_NE(headers.find("Date: Wed, 01 May 2024 12:00:03 +0000\r\n"), std::string::npos);
  EXPECT_NE(headers.find("From: Drover <drover@example.com>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("To: ops@example.com, oncall@example.com\r\n"), std::string::npos);
  EXPECT_TRUE(std::regex_search(headers, std::regex("Message-ID: <[0-9a-f]{32}\\.1714564803250@"
                                                    "example\\.com>\r\n")))
      << headers;
  // A subject with line breaks cannot add headers; non-ASCII is an RFC 2047 word.
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  std::string body = mail.substr(mail.find("\r\n\r\n") + 4);
  EXPECT_EQ(body,
            "web7 failed to provision: step sign_certificate failed (attempt 3): line one\r\n"
            "line two\r\n");
  for (std::size_t at = mail.find('\n'); at != std::string::npos; at = mail.find('\n', at + 1)) {
    ASSERT_TRUE(at > 0 && mail[at - 1] == '\r') << "bare LF at byte " << at;
  }
}

TEST(EmailNotifier, RefusedConnectionIsAnOutcome) {
  ChannelOptions options = testing::options("mail");
  options.timeout = std::chrono::seconds(5);
  EmailSettings settings;
  settings.url = "smtp://127.0.0.1:" + std::to_string(drover::testing::freePort());
  settings.from = "drover@example.com";
  settings.to = {"ops@example.com"};
  EmailNotifier notifier(options, settings);
  Outcome outcome = notifier.deliver(Presenter(options).single(makeEvent(EventKind::Test, "x")));
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(outcome.retryable);
  EXPECT_NE(outcome.error.find("SMTP " + settings.url + ": Failed to connect to 127.0.0.1"),
            std::string::npos)
      << outcome.error;
}

}  // namespace
}  // namespace drover::notifiers
