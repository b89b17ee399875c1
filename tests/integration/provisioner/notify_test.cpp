// The provisioner's notifications through real servers: a webhook receiver that checks
// the HMAC, an SMTP sink with STARTTLS and AUTH, and a webhook nobody listens on. A
// provisioned and a failed node produce exactly the expected messages; the dead
// notifier's failures are counted and provisioning is not held up by them.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"
#include "tests/support/notify_servers.hpp"

namespace drover::integration {
namespace {

std::string bodyOf(const std::string& raw) { return raw.substr(raw.find("\r\n\r\n") + 4); }

std::string header(const std::string& raw, const std::string& name) {
  auto at = raw.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return raw.substr(at, raw.find("\r\n", at) - at);
}

std::vector<std::string> stepNames(const Json& steps) {
  std::vector<std::string> names;
  for (const auto& step : steps) names.push_back(step["name"]);
  return names;
}

class ProvisionerNotifyIT : public ::testing::Test {
 protected:
  fs::path config(const testing::WebhookSink& hook, const testing::SmtpSink& smtp) {
    util::writeFileAtomically(dir_.path() / "hook.key", "hook-shared-key\n", 0600);
    util::writeFileAtomically(dir_.path() / "smtp.pass", "mail-secret\n", 0600);
    std::string templates =
        "    templates:\n"
        "      provisioned: \"{{node}} provisioned via {{master}} ({{facts.region}})\"\n"
        "      failed: \"{{node}} failed at {{step}} (attempt {{attempt}}): {{error}}\"\n";
    std::string yaml =
        "notifiers:\n"
        "  hook:\n"
        "    type: webhook\n"
        "    url: " +
        hook.url() +
        "\n"
        "    hmac_key_file: " +
        (dir_.path() / "hook.key").string() +
        "\n"
        "    facts: [region]\n"
        "    events: [provisioned, failed]\n"
        "    retry_backoff: 50ms\n" +
        templates +
        "  mail:\n"
        "    type: email\n"
        "    url: " +
        smtp.url() +
        "\n"
        "    from: drover@example.test\n"
        "    to: [ops@example.test]\n"
        "    username: drover\n"
        "    password_file: " +
        (dir_.path() / "smtp.pass").string() +
        "\n"
        "    ca_file: " +
        smtp.caFile().string() +
        "\n"
        "    events: [provisioned, failed]\n"
        "    digest_window: 0s\n"
        "    subject: \"[drover] {{node}}: {{event}}\"\n" +
        templates +
        "  down:\n"
        "    type: webhook\n"
        "    url: http://127.0.0.1:" +
        std::to_string(testing::freePort()) +
        "/nobody\n"
        "    events: [provisioned, failed]\n"
        "    retry_attempts: 2\n"
        "    retry_backoff: 50ms\n"
        "    timeout: 2s\n";
    fs::path file = dir_.path() / "provisioner.yaml";
    util::writeFileAtomically(file, yaml);
    return file;
  }

  Fleet fleet;
  testing::TempDir dir_;
};

TEST_F(ProvisionerNotifyIT, ProvisionedAndFailedNodesReachEveryChannel) {
  testing::WebhookSink hook(dir_.path() / "hook", {"hook-shared-key", 200, 0});
  testing::SmtpSink smtp(dir_.path() / "smtp", {true, "drover:mail-secret"});
  NodeSpec failing = spec("node-eu-2", "eu", "fprov");
  failing.agentFiles.push_back({"fail_production", "puppet run failed: 3 resources failed"});
  fleet.addNodes({spec("pm-eu", "eu", "fca"), spec("node-eu-1", "eu", "fprov"), failing});
  Provisioner p(fleet, "prov1.provisioner", {"--config", config(hook, smtp).string()});
  p.start();

  auto requests = hook.waitFor(2, 60s);
  ASSERT_EQ(requests.size(), 2u) << p.log();
  std::map<std::string, Json> bodies;
  for (const auto& request : requests) {
    EXPECT_TRUE(request["signature_ok"].get<bool>()) << request.dump(2);
    Json body = Json::parse(request["body"].get<std::string>());
    bodies[body["node"]] = body;
  }
  const std::vector<std::string> allSteps{"pick_master", "set_server", "clean",     "csr",
                                          "sign",        "bootstrap",  "production"};
  const Json& ok = bodies["node-eu-1"];
  EXPECT_EQ(ok["event"], "provisioned");
  EXPECT_EQ(ok["master"], "pm-eu");
  EXPECT_EQ(ok["facts"], Json({{"region", "eu"}}));
  EXPECT_EQ(stepNames(ok["steps"]), allSteps);
  EXPECT_TRUE(std::all_of(ok["steps"].begin(), ok["steps"].end(),
                          [](const Json& s) { return s["ok"] == true; }));
  EXPECT_EQ(ok["text"], "node-eu-1 provisioned via pm-eu (eu)");

  const std::string error = "production: node-eu-2: puppet run failed: 3 resources failed";
  const Json& bad = bodies["node-eu-2"];
  EXPECT_EQ(bad["event"], "failed");
  EXPECT_EQ(bad["failed_step"], "production");
  EXPECT_EQ(bad["error"], error);
  EXPECT_EQ(bad["attempt"], 4);  // the first try and the flow's 3 retries
  EXPECT_EQ(stepNames(bad["steps"]), allSteps);
  EXPECT_EQ(bad["steps"].back()["ok"], false);
  EXPECT_EQ(bad["steps"].back()["error"], error);
  EXPECT_EQ(bad["text"], "node-eu-2 failed at production (attempt 4): " + error);

  auto mails = smtp.waitFor(2, 30s);
  ASSERT_EQ(mails.size(), 2u) << smtp.log();
  std::map<std::string, std::string> bySubject;
  for (const auto& mail : mails) {
    EXPECT_EQ(mail.envelope["rcpt_tos"], Json({"ops@example.test"}));
    EXPECT_EQ(mail.envelope["tls"], true);
    EXPECT_EQ(mail.envelope["auth_user"], "drover");
    bySubject[header(mail.raw, "Subject")] = bodyOf(mail.raw);
  }
  EXPECT_EQ(bySubject["[drover] node-eu-1: provisioned"],
            "node-eu-1 provisioned via pm-eu (eu)\r\n");
  EXPECT_EQ(bySubject["[drover] node-eu-2: failed"],
            "node-eu-2 failed at production (attempt 4): " + error + "\r\n");

  // The dead webhook gave up on both events; provisioning went on regardless.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        std::string text = p.metrics();
        return text.find(
                   "drover_notifiers_events_total{notifier=\"down\",type=\"webhook\","
                   "outcome=\"failed\"} 2\n") != std::string::npos &&
               text.find("drover_provisioner_nodes{state=\"failed\"} 1\n") != std::string::npos;
      },
      30s))
      << p.metrics();
  std::string metrics = p.metrics();
  EXPECT_THAT(metrics, ::testing::HasSubstr(
                           "drover_notifiers_events_total{notifier=\"hook\",type=\"webhook\","
                           "outcome=\"delivered\"} 2\n"));
  EXPECT_THAT(metrics,
              ::testing::HasSubstr("drover_notifiers_events_total{notifier=\"mail\",type=\"email\","
                                   "outcome=\"delivered\"} 2\n"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("drover_provisioner_nodes{state=\"provisioned\"} 1\n"));
  EXPECT_THAT(metrics, ::testing::HasSubstr("drover_provisioner_nodes{state=\"failed\"} 1\n"));
  EXPECT_EQ(invocations(fleet.node("node-eu-1"))["run production"], 1);
  // The events file still has every event (3 retries, 1 failed, 1 provisioned).
  std::string events = p.events(5);
  EXPECT_EQ(Provisioner::lines(events), 5u) << events;
  EXPECT_EQ(p.stop(), 0) << p.log();
}

}  // namespace
}  // namespace drover::integration
