// The notifiers: section: what it accepts, and that every problem names file:line:column,
// the notifier and the key.
#include <cstdlib>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "notifiers/config.hpp"
#include "testing/process.hpp"

namespace drover::notifiers {
namespace {

using drover::testing::TempDir;

std::string problemsOf(const std::string& yaml) {
  try {
    loadText(yaml, "provisioner.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

class NotifyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secretFile_ = dir_.write("xmpp.pass", "s3cret-xmpp\n");
    ::setenv("DROVER_TEST_SMTP_PASSWORD", "s3cret-smtp", 1);
  }
  void TearDown() override { ::unsetenv("DROVER_TEST_SMTP_PASSWORD"); }

  TempDir dir_;
  std::filesystem::path secretFile_;
};

TEST_F(NotifyConfigTest, ReadsEveryChannelType) {
  std::string yaml = R"(
broker: tcp://127.0.0.1:7300   # belongs to the rest of provisioner.yaml
notifiers:
  audit:
    type: log
    path: /var/log/drover/notify.jsonl
  cmdb:
    type: exec
    command: [/usr/local/bin/cmdb-update, --source, drover]
    events: [provisioned]
    timeout: 5s
  hook:
    type: webhook
    url: https://hooks.example.com/drover
    hmac_key_env: DROVER_TEST_SMTP_PASSWORD
    facts: [region, role]
    retry_attempts: 7
    retry_backoff: 500ms
    retry_max_backoff: 30s
  mail:
    type: email
    url: smtp://mail.example.com:587
    from: drover@example.com
    to: [ops@example.com, oncall@example.com]
    username: drover
    password_env: DROVER_TEST_SMTP_PASSWORD
    subject: "[drover] {{node}} {{event}}"
  chat:
    type: xmpp
    jid: drover@example.com/provisioner
    password_file: )" +
                     secretFile_.string() + R"(
    to: admin@example.com
    rooms: [alerts@conference.example.com]
    digest_window: 2m
    digest_group_by: facts_region
    events: [provisioned, failed, retried, waiting_too_long]
    templates:
      failed: "{{node}} broke at {{step}}: {{error}}"
)";
  NotifyConfig config = loadText(yaml, "provisioner.yaml");
  ASSERT_EQ(config.notifiers.size(), 5u);
  const NotifierConfig* chat = config.find("chat");
  ASSERT_NE(chat, nullptr);
  const auto& xmpp = std::get<XmppSettings>(chat->settings);
  EXPECT_EQ(xmpp.password->reveal(), "s3cret-xmpp");
  EXPECT_EQ(xmpp.to, std::vector<std::string>{"admin@example.com"});
  EXPECT_EQ(xmpp.tls, TlsMode::Required);
  EXPECT_EQ(chat->options.digestWindow, std::chrono::minutes(2));
  EXPECT_EQ(chat->options.events.size(), 4u);
  EXPECT_EQ(chat->options.templates.count(EventKind::Failed), 1u);

  const NotifierConfig* mail = config.find("mail");
  EXPECT_EQ(mail->options.digestWindow, std::chrono::seconds(60));  // default for people
  EXPECT_EQ(std::get<EmailSettings>(mail->settings).to.size(), 2u);
  EXPECT_EQ(std::get<EmailSettings>(mail->settings).password->source(),
            "env DROVER_TEST_SMTP_PASSWORD");

  const NotifierConfig* hook = config.find("hook");
  EXPECT_EQ(hook->options.digestWindow.count(), 0);  // machines get every event
  EXPECT_EQ(hook->options.retry.attempts, 7);
  EXPECT_EQ(hook->options.retry.initialBackoff, std::chrono::milliseconds(500));
  EXPECT_EQ(hook->options.facts, (std::vector<std::string>{"region", "role"}));

  const NotifierConfig* cmdb = config.find("cmdb");
  EXPECT_EQ(std::get<ExecSettings>(cmdb->settings).command.size(), 3u);
  EXPECT_EQ(cmdb->options.timeout, std::chrono::seconds(5));
  EXPECT_EQ(cmdb->options.events, std::set<EventKind>{EventKind::Provisioned});
}

TEST_F(NotifyConfigTest, NoSectionMeansNoNotifiers) {
  EXPECT_TRUE(loadText("broker: tcp://x:1\n", "p.yaml").notifiers.empty());
  EXPECT_TRUE(loadText("", "p.yaml").notifiers.empty());
  EXPECT_TRUE(parse(YAML::Load("~"), "p.yaml").notifiers.empty());
}

TEST_F(NotifyConfigTest, UnknownKeyNamesFileLineKeyAndSuggestion) {
  std::string problems = problemsOf(
      "notifiers:\n"
      "  chat:\n"
      "    type: xmpp\n"
      "    jid: a@example.com\n"
      "    pasword_file: /x\n"
      "    to: b@example.com\n");
  EXPECT_NE(problems.find("provisioner.yaml:5:5: notifier 'chat': key 'pasword_file': unknown key "
                          "for a xmpp notifier (did you mean 'password_file'?)"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("key 'password_file' or 'password_env' is required"), std::string::npos);
}

TEST_F(NotifyConfigTest, InlineSecretsAreRefused) {
  std::string problems = problemsOf(
      "notifiers:\n"
      "  mail:\n"
      "    type: email\n"
      "    url: smtp://mail.example.com\n"
      "    from: d@example.com\n"
      "    to: o@example.com\n"
      "    username: d\n"
      "    password: hunter2\n");
  EXPECT_NE(problems.find("provisioner.yaml:8:5: notifier 'mail': key 'password': secrets are not "
                          "read from the main config; use password_file or password_env"),
            std::string::npos)
      << problems;
  EXPECT_EQ(problems.find("hunter2"), std::string::npos) << "a secret must not be echoed";
}

TEST_F(NotifyConfigTest, MissingSecretSourcesAreConfigErrors) {
  std::string problems = problemsOf(
      "notifiers:\n"
      "  chat:\n"
      "    type: xmpp\n"
      "    jid: a@example.com\n"
      "    password_file: /nonexistent/xmpp.pass\n"
      "    to: b@example.com\n"
      "  hook:\n"
      "    type: webhook\n"
      "    url: http://127.0.0.1:9/x\n"
      "    hmac_key_env: DROVER_TEST_UNSET_VARIABLE\n");
  EXPECT_NE(problems.find("provisioner.yaml:5:20: notifier 'chat': key 'password_file': cannot "
                          "read /nonexistent/xmpp.pass"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("provisioner.yaml:10:19: notifier 'hook': key 'hmac_key_env': "
                          "environment variable DROVER_TEST_UNSET_VARIABLE is not set"),
            std::string::npos)
      << problems;
}

TEST_F(NotifyConfigTest, CredentialsNeedTls) {
  std::string problems = problemsOf(
      "notifiers:\n"
      "  mail:\n"
      "    type: email\n"
      "    url: smtp://mail.example.com\n"
      "    from: d@example.com\n"
      "    to: [o@example.com, 'not an address']\n"
      "    tls: optional\n"
      "    username: d\n"
      "    password_env: DROVER_TEST_SMTP_PASSWORD\n");
  EXPECT_NE(problems.find(":7:10: notifier 'mail': key 'tls': credentials need tls: required"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find("'not an address' is not a bare mail address"), std::string::npos);
}

TEST_F(NotifyConfigTest, PlainXmppOnlyOnLoopback) {
  std::string base =
      "notifiers:\n  chat:\n    type: xmpp\n    jid: a@example.com\n"
      "    password_file: " +
      secretFile_.string() +
      "\n    to: b@example.com\n"
      "    tls: disabled\n";
  EXPECT_NE(problemsOf(base).find("key 'tls': disabled is only allowed for a loopback server"),
            std::string::npos);
  EXPECT_EQ(problemsOf(base + "    server: 127.0.0.1\n"), "");
}

TEST_F(NotifyConfigTest, CollectsEveryProblemOfEveryNotifier) {
  std::string problems = problemsOf(
      "notifiers:\n"
      "  a:\n"
      "    type: pager\n"
      "  b:\n"
      "    type: log\n"
      "  c:\n"
      "    type: webhook\n"
      "    url: ftp://x\n"
      "    digest_window: 60\n"
      "    events: [provisioned, exploded]\n"
      "    templates:\n"
      "      failed: '{{node}} {{oops}}'\n"
      "  d: nothing\n");
  EXPECT_NE(problems.find(":3:11: notifier 'a': key 'type': unknown type 'pager'"),
            std::string::npos)
      << problems;
  EXPECT_NE(problems.find(":4:3: notifier 'b': key 'path' is required"), std::string::npos);
  EXPECT_NE(problems.find(":8:10: notifier 'c': key 'url': expected an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(problems.find(":9:20: notifier 'c': key 'digest_window': expected a duration"),
            std::string::npos);
  EXPECT_NE(problems.find("key 'events': unknown event 'exploded'"), std::string::npos);
  EXPECT_NE(problems.find(":12:15: notifier 'c': key 'templates.failed': unknown placeholder "
                          "'{{oops}}'"),
            std::string::npos);
  EXPECT_NE(problems.find(":13:6: notifier 'd': expected a map of settings, got 'nothing'"),
            std::string::npos);
}

TEST_F(NotifyConfigTest, SyntaxErrorsAndDuplicatesNameTheLine) {
  EXPECT_NE(problemsOf("notifiers:\n  a: [\n").find("provisioner.yaml:3:1: YAML syntax error"),
            std::string::npos);
  std::string problems =
      problemsOf("notifiers:\n  a:\n    type: log\n    path: /a\n    path: /b\n");
  EXPECT_NE(problems.find(":5:5: notifier 'a': key 'path': duplicate key (first set on line 4)"),
            std::string::npos)
      << problems;
}

TEST_F(NotifyConfigTest, LoadFileNamesAnUnreadableFile) {
  try {
    loadFile("/nonexistent/provisioner.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/provisioner.yaml: cannot read"),
              std::string::npos);
  }
}

TEST_F(NotifyConfigTest, TheExampleFileLoads) {
  ::setenv("DROVER_SMTP_PASSWORD", "x", 1);
  ::setenv("DROVER_WEBHOOK_KEY", "x", 1);
  auto path = std::filesystem::path(DROVER_SOURCE_DIR) / "notifiers" / "notifiers.example.yaml";
  auto text = drover::util::readFile(path);
  // The example points its XMPP password at /etc/drover; use a readable file instead.
  auto pos = text.find("/etc/drover/xmpp.pass");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string("/etc/drover/xmpp.pass").size(), secretFile_.string());
  NotifyConfig config = loadText(text, path.string());
  EXPECT_EQ(config.notifiers.size(), 5u);
  ::unsetenv("DROVER_SMTP_PASSWORD");
  ::unsetenv("DROVER_WEBHOOK_KEY");
}

}  // namespace
}  // namespace drover::notifiers
