// Flow files: the shipped classic flow, every field, and errors naming file:line and key.
#include <gtest/gtest.h>

#include "core/templating/template.hpp"
#include "provisioner/flow.hpp"

namespace drover::provisioner {
namespace {

std::string errorOf(const std::string& text) {
  try {
    parseFlow(text, "f.yaml");
  } catch (const FlowError& e) {
    return e.what();
  }
  return "";
}

const char* kMinimal = "name: t\nsteps:\n  - name: a\n    agent: x\n    action: y\n";

TEST(Flow, ShippedClassicFlowLoads) {
  Flow flow = loadFlowFile(std::string(DROVER_SOURCE_DIR) + "/etc/flows/classic.yaml");
  EXPECT_EQ(flow.name, "classic");
  std::vector<std::string> names;
  for (const auto& step : flow.steps) names.push_back(step.name);
  EXPECT_EQ(names, (std::vector<std::string>{"assign_name", "pick_master", "set_puppet_server",
                                             "clean", "request_certificate", "sign",
                                             "bootstrap_run", "production_run", "notify"}));
  // Named before anything certificate-related; the certname is the name's fqdn.
  EXPECT_EQ(flow.steps[0].kind, StepKind::AssignName);
  EXPECT_EQ(flow.steps[0].call.action, "set_name");
  EXPECT_EQ(flow.pickMasterIndex(), 1u);
  const Step& sign = flow.steps[5];
  EXPECT_EQ(sign.call.args["certname"], "{{node.fqdn || node.identity}}");
  EXPECT_EQ(sign.call.agent, "puppetca");
  EXPECT_EQ(sign.call.target, Target::Master);
  ASSERT_TRUE(sign.verify.has_value());
  EXPECT_EQ(sign.verify->when, (Json{{"state", "signed"}, {"key_matches", true}}));
  // The node's key, asked right before signing and before each verify.
  ASSERT_TRUE(sign.lookup.has_value());
  EXPECT_EQ(sign.lookup->action, "certificate_status");
  EXPECT_EQ(sign.lookup->target, Target::Node);
  EXPECT_EQ(sign.call.args["key_fingerprint"], "{{lookup.key_fingerprint}}");
  ASSERT_TRUE(sign.verify->lookup.has_value());
  const Step& request = flow.steps[4];
  ASSERT_TRUE(request.verify.has_value() && request.verify->lookup.has_value());
  EXPECT_EQ(request.verify->when, (Json{{"state", "requested"}, {"key_matches", true}}));
  EXPECT_FALSE(request.lookup.has_value());
  EXPECT_EQ(flow.steps[3].call.target, Target::AllMasters);
  EXPECT_EQ(flow.steps[6].timeout, std::chrono::minutes(10));
  ASSERT_TRUE(flow.alreadyProvisioned.has_value());
  // A master that says nothing but its identity is reached on Puppet's port 8140.
  Json context{{"node", {{"identity", "web1"}, {"facts", Json::object()}}},
               {"master", {{"identity", "pm1"}, {"facts", Json::object()}}}};
  Json args = templating::renderValue(request.call.args, context);
  EXPECT_EQ(args,
            (Json{{"certname", "web1"}, {"server", "pm1"}, {"port", 8140}, {"reset_ssl", true}}));
  // A named node's certificate is for its fqdn.
  context["node"]["fqdn"] = "db-master.example.internal";
  EXPECT_EQ(templating::renderValue(request.call.args, context)["certname"],
            "db-master.example.internal");
}

TEST(Flow, AssignNameTakesTrueOrADefaultServiceAndRefusesABadOne) {
  Flow plain = parseFlow("name: t\nsteps:\n  - name: n\n    assign_name: true\n", "t.yaml");
  EXPECT_EQ(plain.steps[0].kind, StepKind::AssignName);
  EXPECT_TRUE(plain.steps[0].naming.is_null());
  Flow given = parseFlow(
      "name: t\nsteps:\n  - name: n\n    assign_name: {service: web, type: masterful}\n", "t.yaml");
  EXPECT_EQ(given.steps[0].naming["service"], "web");
  EXPECT_EQ(given.steps[0].naming["type"], "masterful");
  try {
    parseFlow("name: t\nsteps:\n  - name: n\n    assign_name: {service: Web}\n", "t.yaml");
    FAIL() << "an upper-case service was accepted";
  } catch (const FlowError& e) {
    EXPECT_NE(std::string(e.what()).find("t.yaml:4:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("assign_name"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parseFlow("name: t\nsteps:\n  - name: n\n    assign_name: {service: web, "
                         "colour: red}\n",
                         "t.yaml"),
               FlowError);
}

TEST(Flow, ParsesEveryStepField) {
  Flow flow = parseFlow(R"(name: t
node_agent: prov
master_agent: ca
claim: {agent: prov, claim_action: grab, release_action: drop, timeout: 500ms, retries: 1}
steps:
  - name: pick
    pick_master: true
  - name: s
    agent: prov
    action: go
    target: master
    args: {n: "{{master.identity}}", count: 3, quoted: "3"}
    timeout: 2s
    retries: 5
    backoff: {initial: 10ms, max: 1s, factor: 3}
    outcomes:
      - {when: {already: true}, result: done}
      - {status: no_reply, result: fail}
  - name: n
    notify: provisioned
)",
                        "t.yaml");
  EXPECT_EQ(flow.nodeAgent, "prov");
  EXPECT_EQ(flow.masterAgent, "ca");
  EXPECT_EQ(flow.claim.claimAction, "grab");
  EXPECT_EQ(flow.claim.timeout, std::chrono::milliseconds(500));
  const Step& s = flow.steps[1];
  EXPECT_EQ(s.call.args, (Json{{"n", "{{master.identity}}"}, {"count", 3}, {"quoted", "3"}}));
  EXPECT_EQ(s.retries, 5);
  EXPECT_EQ(s.backoff.delay(1), std::chrono::milliseconds(10));
  EXPECT_EQ(s.backoff.delay(3), std::chrono::milliseconds(90));
  EXPECT_EQ(s.backoff.delay(30), std::chrono::seconds(1));
  ASSERT_EQ(s.outcomes.size(), 2u);
  EXPECT_EQ(s.outcomes[1].status, "no_reply");
  EXPECT_EQ(flow.steps[2].kind, StepKind::Notify);
}

TEST(Flow, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    timeuot: 3s\n"),
            "f.yaml:6:5: steps[0](a).timeuot: unknown key (did you mean 'timeout'?)");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    timeout: soon\n"),
            "f.yaml:6:14: steps[0](a).timeout: expected a duration such as 500ms, 30s, 5m or 1h "
            "(at most 7 days), got 'soon'");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    retries: -1\n"),
            "f.yaml:6:14: steps[0](a).retries: expected an integer from 0 to 1000");
  EXPECT_EQ(
      errorOf(std::string(kMinimal) + "    target: everyone\n"),
      "f.yaml:6:13: steps[0](a).target: expected node, master or all_masters, got 'everyone'");
  EXPECT_EQ(errorOf("name: t\nsteps: []\n"), "f.yaml:2:8: steps: expected a list of steps");
  EXPECT_EQ(errorOf("steps:\n  - name: a\n    agent: x\n    action: y\n"),
            "f.yaml:1:1: name: is required");
  EXPECT_EQ(errorOf("name: t\nsteps:\n  - name: a\n    agent: x\n"),
            "f.yaml:3:5: steps[0](a).action: is required");
}

TEST(Flow, RefusesMastersBeforePickMaster) {
  EXPECT_EQ(
      errorOf(std::string(kMinimal) + "    args: {a: \"{{master.identity}}\"}\n"),
      "f.yaml:6:11: steps[0](a).args: uses master.* before the pick_master step has chosen one");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    target: master\n"),
            "f.yaml:6:13: steps[0](a).target: targets masters before the pick_master step has "
            "chosen one");
}

TEST(Flow, RefusesBadTemplatesDuplicatesAndRules) {
  EXPECT_NE(errorOf(std::string(kMinimal) + "    args: {a: \"{{node.identity\"}\n")
                .find("f.yaml:6:11: steps[0](a).args: '{{' without '}}'"),
            std::string::npos);
  EXPECT_EQ(errorOf(std::string(kMinimal) + "  - name: a\n    agent: x\n    action: z\n"),
            "f.yaml:6:11: steps[1].name: step 'a' appears twice");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    outcomes:\n      - {result: done}\n"),
            "f.yaml:7:9: steps[0](a).outcomes[0]: a rule needs status or when (it would match "
            "every reply)");
  EXPECT_EQ(
      errorOf(std::string(kMinimal) + "    outcomes:\n      - {when: {a: 1}, result: maybe}\n"),
      "f.yaml:7:32: steps[0](a).outcomes[0].result: expected done, retry, fail or redo, got "
      "'maybe'");
  EXPECT_EQ(errorOf("name: t\nsteps:\n  - name: p\n    pick_master: true\n  - name: q\n    "
                    "pick_master: true\n"),
            "f.yaml:6:18: steps[1](q).pick_master: a flow picks its master once");
}

TEST(Flow, ALookupFeedsItsCallOrVerify) {
  Flow flow = parseFlow(R"(name: t
steps:
  - name: pick
    pick_master: true
  - name: s
    agent: ca
    action: sign
    target: master
    lookup: {agent: prov, action: key, args: {of: "{{node.identity}}"}}
    args: {key: "{{lookup.key}}"}
    verify:
      lookup: {agent: ca, action: peek, target: master}
      agent: ca
      action: status
      target: master
      args: {key: "{{lookup.key || 'none'}}"}
      when: {ok: true}
)",
                        "t.yaml");
  const Step& s = flow.steps[1];
  ASSERT_TRUE(s.lookup.has_value());
  EXPECT_EQ(s.lookup->agent, "prov");
  EXPECT_EQ(s.lookup->target, Target::Node);
  EXPECT_EQ(s.lookup->args, (Json{{"of", "{{node.identity}}"}}));
  ASSERT_TRUE(s.verify->lookup.has_value());
  EXPECT_EQ(s.verify->lookup->target, Target::Master);
}

TEST(Flow, LookupTemplatesNeedALookupAndALookupReadsOneReply) {
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    args: {a: \"{{lookup.key}}\"}\n"),
            "f.yaml:6:11: steps[0](a).args: uses lookup.* where no lookup is asked first");
  EXPECT_EQ(errorOf(std::string(kMinimal) +
                    "    lookup: {agent: x, action: k, args: {a: \"{{lookup.k}}\"}}\n"),
            "f.yaml:6:41: steps[0](a).lookup.args: uses lookup.* where no lookup is asked first");
  EXPECT_EQ(
      errorOf("name: t\nsteps:\n  - name: p\n    pick_master: true\n  - name: a\n    agent: x\n"
              "    action: y\n    lookup: {agent: x, action: k, target: all_masters}\n"),
      "f.yaml:8:43: steps[1](a).lookup.target: a lookup reads one reply: node or master");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "    lookup: {agent: x}\n"),
            "f.yaml:6:13: steps[0](a).lookup.action: is required");
  EXPECT_EQ(
      errorOf("name: t\nalready_provisioned: {agent: x, action: s, when: {a: 1}, lookup: {}}\n"
              "steps:\n  - name: a\n    agent: x\n    action: y\n"),
      "f.yaml:2:58: already_provisioned.lookup: unknown key");
}

TEST(Flow, RedoGoesBackToThisOrAnEarlierStep) {
  Flow flow =
      parseFlow(std::string(kMinimal) +
                    "  - name: b\n    agent: x\n    action: z\n"
                    "    outcomes:\n      - {when: {outcome: stale}, result: redo, from: a}\n"
                    "redo_limit: 5\n",
                "f.yaml");
  ASSERT_EQ(flow.steps[1].outcomes.size(), 1u);
  EXPECT_EQ(flow.steps[1].outcomes[0].verdict, Verdict::Redo);
  EXPECT_EQ(flow.steps[1].outcomes[0].from, "a");
  EXPECT_EQ(flow.redoLimit, 5);
  EXPECT_EQ(parseFlow(kMinimal, "f.yaml").redoLimit, 3);

  std::string later =
      "name: t\nsteps:\n  - name: a\n    agent: x\n    action: y\n"
      "    outcomes:\n      - {when: {o: 1}, result: redo, from: b}\n"
      "  - name: b\n    agent: x\n    action: z\n";
  EXPECT_EQ(errorOf(later),
            "f.yaml:7:44: steps[0](a).outcomes[0].from: 'b' is not this step or an earlier one");
  EXPECT_EQ(errorOf(std::string(kMinimal) +
                    "    outcomes:\n      - {when: {o: 1}, result: redo, from: zz}\n"),
            "f.yaml:7:44: steps[0](a).outcomes[0].from: 'zz' is not this step or an earlier one");
  EXPECT_EQ(
      errorOf(std::string(kMinimal) + "    outcomes:\n      - {when: {o: 1}, result: redo}\n"),
      "f.yaml:7:9: steps[0](a).outcomes[0].from: is required");
  EXPECT_EQ(errorOf(std::string(kMinimal) +
                    "    outcomes:\n      - {when: {o: 1}, result: done, from: a}\n"),
            "f.yaml:7:44: steps[0](a).outcomes[0].from: only a redo rule goes back to a step");
}

TEST(Flow, SyntaxErrorsAndSecondDocuments) {
  EXPECT_EQ(errorOf("name: [t\n").rfind("f.yaml:", 0), 0u);
  EXPECT_NE(errorOf("name: [t\n").find("YAML syntax error"), std::string::npos);
  EXPECT_EQ(errorOf(std::string(kMinimal) + "---\nname: u\n"),
            "f.yaml:7: a flow file holds one YAML document");
  EXPECT_EQ(errorOf(""), "f.yaml: the flow is empty");
  EXPECT_EQ(errorOf("- a\n"), "f.yaml:1:1: expected a map");
}

TEST(Flow, UnreadableFileIsNamed) {
  try {
    loadFlowFile("/nonexistent/flow.yaml");
    FAIL();
  } catch (const FlowError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/flow.yaml: cannot read the flow file");
  }
}

TEST(Flow, JudgeAppliesRulesThenDefaults) {
  std::vector<OutcomeRule> rules{
      {"", Json{{"already_signed", true}}, Verdict::Done, 0},
      {"failed", Json{{"outcome", "wrong_environment"}}, Verdict::Fail, 0}};
  EXPECT_EQ(judge(rules, "failed", Json{{"already_signed", true}}), Verdict::Done);
  EXPECT_EQ(judge(rules, "failed", Json{{"outcome", "wrong_environment"}}), Verdict::Fail);
  EXPECT_EQ(judge(rules, "ok", Json{{"outcome", "wrong_environment"}}), Verdict::Done);
  EXPECT_EQ(judge(rules, "failed", Json::object()), Verdict::Retry);
  EXPECT_EQ(judge(rules, "no_reply", Json::object()), Verdict::Retry);
  EXPECT_EQ(matchingRule(rules, "failed", Json{{"outcome", "wrong_environment"}}), &rules[1]);
  EXPECT_EQ(matchingRule(rules, "failed", Json::object()), nullptr);
}

TEST(Flow, MatchesSubsetsAndListMembers) {
  EXPECT_TRUE(matches(Json{{"a", 1}}, Json{{"a", 1}, {"b", 2}}));
  EXPECT_FALSE(matches(Json{{"a", 1}}, Json{{"a", 2}}));
  EXPECT_FALSE(matches(Json{{"a", 1}}, Json::object()));
  EXPECT_TRUE(matches(Json{{"steps", "x"}}, Json{{"steps", {"w", "x"}}}));
  EXPECT_FALSE(matches(Json{{"steps", "y"}}, Json{{"steps", {"w", "x"}}}));
  EXPECT_TRUE(matches(Json{{"o", {{"k", true}}}}, Json{{"o", {{"k", true}, {"j", 0}}}}));
}

}  // namespace
}  // namespace drover::provisioner
