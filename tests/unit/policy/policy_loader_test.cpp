// Reading policy files: what a valid file turns into, and every loading problem named by
// file:line:column and key (the format is documented in etc/policies/README.md).
#include "core/policy/policy_loader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/policy/scratch_dir.hpp"

namespace drover::policy::test {
namespace {

// The problems parsing `text` as p.yaml reports; empty when it loads.
std::vector<std::string> problemsOf(const std::string& text) {
  try {
    parsePolicy(text, "p.yaml", "p");
  } catch (const PolicyError& e) {
    return e.problems();
  }
  return {};
}

std::string onlyProblem(const std::string& text) {
  auto problems = problemsOf(text);
  EXPECT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  return problems.empty() ? "" : problems.front();
}

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(PolicyLoader, ReadsDefaultAndRulesInOrder) {
  const Policy policy = parsePolicy(R"Y(# puppet policy
default: allow
rules:
  - allow:
      callers: ["admin.alice", "/^ops\\./"]
      roles: [admin]
      actions: [runonce, status]
      where: "region=eu-west-1 and class(role::web)"
  - deny:
      callers: "*"
      actions: "*"
)Y",
                                    "puppet.yaml", "puppet");
  EXPECT_EQ(policy.agent, "puppet");
  EXPECT_EQ(policy.file, "puppet.yaml");
  EXPECT_EQ(policy.fallback, Effect::Allow);
  ASSERT_EQ(policy.rules.size(), 2u);
  const Rule& first = policy.rules[0];
  EXPECT_EQ(first.effect, Effect::Allow);
  EXPECT_EQ(first.index, 1);
  EXPECT_EQ(first.line, 4);
  ASSERT_EQ(first.callers.size(), 2u);
  EXPECT_EQ(first.callers[0].text(), "admin.alice");
  EXPECT_EQ(first.callers[1].text(), "/^ops\\./");
  EXPECT_EQ(first.roles, (std::vector<std::string>{"admin"}));
  EXPECT_EQ(first.actions, (std::vector<std::string>{"runonce", "status"}));
  EXPECT_EQ(first.where.text(), "region == eu-west-1 and class(role::web)");
  const Rule& second = policy.rules[1];
  EXPECT_EQ(second.effect, Effect::Deny);
  EXPECT_EQ(second.index, 2);
  EXPECT_EQ(second.line, 9);
  EXPECT_TRUE(second.roles.empty());
  EXPECT_TRUE(second.actions.empty());  // "*"
  EXPECT_TRUE(second.where.empty());
}

TEST(PolicyLoader, DefaultIsDenyAndRulesAreOptional) {
  const Policy onlyRules = parsePolicy("rules: []\n", "a.yaml", "a");
  EXPECT_EQ(onlyRules.fallback, Effect::Deny);
  EXPECT_TRUE(onlyRules.rules.empty());
  const Policy onlyDefault = parsePolicy("default: allow\n", "b.yaml", "b");
  EXPECT_EQ(onlyDefault.fallback, Effect::Allow);
  EXPECT_TRUE(onlyDefault.rules.empty());
}

TEST(PolicyLoader, FlowStyleAndSingleStringsWork) {
  const Policy policy = parsePolicy(
      "rules:\n  - deny: {callers: ops.bob, roles: node, actions: disable}\n", "p.yaml", "p");
  ASSERT_EQ(policy.rules.size(), 1u);
  EXPECT_EQ(policy.rules[0].callers.at(0).text(), "ops.bob");
  EXPECT_EQ(policy.rules[0].roles, (std::vector<std::string>{"node"}));
  EXPECT_EQ(policy.rules[0].actions, (std::vector<std::string>{"disable"}));
}

struct BadPolicy {
  const char* what;
  const char* yaml;
  const char* problem;  // the whole message
};

const BadPolicy kBadPolicies[] = {
    {"unknown top-level key", "defualt: deny\n",
     "p.yaml:1:1: key 'defualt': unknown key (expected 'default', 'rules')"},
    {"bad default", "default: maybe\n",
     "p.yaml:1:10: key 'default': expected allow or deny, got 'maybe'"},
    {"default of the wrong type", "default: [allow]\n",
     "p.yaml:1:10: key 'default': expected allow or deny, got a list"},
    {"duplicate top-level key", "default: deny\ndefault: allow\n",
     "p.yaml:2:1: key 'default': duplicate key (first set on line 1)"},
    {"rules not a list", "rules: {allow: x}\n",
     "p.yaml:1:8: key 'rules': expected a list of rules, got a map"},
    {"rules left empty", "rules:\n",
     "p.yaml:1:1: key 'rules': expected a list of rules, got nothing"},
    {"rule not a map", "rules:\n  - allow\n",
     "p.yaml:2:5: rule 1: expected a map with 'allow' or 'deny', got 'allow'"},
    {"unknown rule kind", "rules:\n  - permit: {callers: '*', actions: '*'}\n",
     "p.yaml:2:5: key 'permit' in rule 1: unknown key (expected 'allow', 'deny')"},
    {"allow and deny in one rule",
     "rules:\n  - allow: {callers: '*', actions: '*'}\n    deny: {callers: '*', actions: '*'}\n",
     "p.yaml:2:5: rule 1: a rule is either 'allow' or 'deny', not both"},
    {"empty rule", "rules:\n  - {}\n", "p.yaml:2:5: rule 1: expected 'allow' or 'deny'"},
    {"rule body not a map", "rules:\n  - allow: everyone\n",
     "p.yaml:2:12: key 'allow' in rule 1: expected a map of conditions (callers, actions, "
     "roles, where), got 'everyone'"},
    {"missing callers", "rules:\n  - allow:\n      actions: '*'\n",
     "p.yaml:2:5: key 'callers' in rule 1: missing (write \"*\" to match any)"},
    {"missing actions", "rules:\n  - deny:\n      callers: '*'\n",
     "p.yaml:2:5: key 'actions' in rule 1: missing (write \"*\" to match any)"},
    {"duplicate condition",
     "rules:\n  - allow:\n      callers: '*'\n      actions: [a]\n"
     "      actions: [b]\n",
     "p.yaml:5:7: key 'actions' in rule 1: duplicate key (first set on line 4)"},
    {"callers a map", "rules:\n  - allow:\n      callers: {name: x}\n      actions: '*'\n",
     "p.yaml:3:16: key 'callers' in rule 1: expected a string or a non-empty list of strings, "
     "got a map"},
    {"callers an empty list", "rules:\n  - allow:\n      callers: []\n      actions: '*'\n",
     "p.yaml:3:16: key 'callers' in rule 1: expected a string or a non-empty list of strings, "
     "got an empty list"},
    {"callers left empty", "rules:\n  - allow:\n      callers:\n      actions: '*'\n",
     "p.yaml:3:7: key 'callers' in rule 1: expected a string or a non-empty list of strings, "
     "got nothing"},
    {"caller a list in a list", "rules:\n  - allow:\n      callers: [[a]]\n      actions: '*'\n",
     "p.yaml:3:17: key 'callers' in rule 1: expected a string, got a list in the list"},
    {"caller an empty string", "rules:\n  - allow:\n      callers: ['']\n      actions: '*'\n",
     "p.yaml:3:17: key 'callers' in rule 1: expected a caller name, /regex/ or \"*\""},
    {"caller a glob", "rules:\n  - allow:\n      callers: [admin.*]\n      actions: '*'\n",
     "p.yaml:3:17: key 'callers' in rule 1: 'admin.*' looks like a glob; write a /regex/ "
     "instead"},
    {"caller an empty regex", "rules:\n  - allow:\n      callers: [//]\n      actions: '*'\n",
     "p.yaml:3:17: key 'callers' in rule 1: empty regex '//'"},
    {"unknown role",
     "rules:\n  - allow:\n      callers: '*'\n      roles: [admin, operator]\n      actions: '*'\n",
     "p.yaml:4:22: key 'roles' in rule 1: unknown role 'operator' (expected admin, node, "
     "provisioner or \"*\")"},
    {"bad action name", "rules:\n  - allow:\n      callers: '*'\n      actions: [Run-Once]\n",
     "p.yaml:4:17: key 'actions' in rule 1: 'Run-Once' is not an action name (use a-z, 0-9 "
     "and _, or \"*\")"},
    {"action glob", "rules:\n  - allow:\n      callers: '*'\n      actions: 'run*'\n",
     "p.yaml:4:16: key 'actions' in rule 1: 'run*' is not an action name (use a-z, 0-9 and _, "
     "or \"*\")"},
    {"blank where",
     "rules:\n  - allow:\n      callers: '*'\n      actions: '*'\n      where: \"\"\n",
     "p.yaml:5:14: key 'where' in rule 1: expected a filter expression, got '' (leave 'where' "
     "out to match every node)"},
    {"where a list",
     "rules:\n  - allow:\n      callers: '*'\n      actions: '*'\n      where: [a, b]\n",
     "p.yaml:5:14: key 'where' in rule 1: expected a filter expression, got a list (leave "
     "'where' out to match every node)"},
    {"rule 2 is named",
     "rules:\n  - deny: {callers: '*', actions: '*'}\n  - allow: {callers: '*'}\n",
     "p.yaml:3:5: key 'actions' in rule 2: missing (write \"*\" to match any)"},
    {"empty file", "", "p.yaml:1:1: empty policy: write 'default: deny' to refuse every request"},
    {"only comments", "# nothing here\n",
     "p.yaml:1:1: empty policy: write 'default: deny' to refuse every request"},
    {"a list at the top", "- allow\n",
     "p.yaml:1:1: expected a map with 'default' and 'rules', got a list"},
    {"two documents", "default: deny\n---\ndefault: allow\n",
     "p.yaml:3:1: expected one YAML document, found 2"},
};

TEST(PolicyLoader, EveryProblemNamesFileLineColumnAndKey) {
  for (const auto& bad : kBadPolicies) {
    SCOPED_TRACE(bad.what);
    EXPECT_EQ(onlyProblem(bad.yaml), bad.problem);
  }
}

TEST(PolicyLoader, BadRegexNamesTheCallerEntry) {
  const std::string problem =
      onlyProblem("rules:\n  - allow:\n      callers: ['/(/']\n      actions: '*'\n");
  EXPECT_TRUE(startsWith(problem, "p.yaml:3:17: key 'callers' in rule 1: invalid regex: "))
      << problem;
}

TEST(PolicyLoader, BadFilterNamesTheWhereKeyAndTheColumnInTheExpression) {
  const std::string problem = onlyProblem(
      "rules:\n  - allow:\n      callers: '*'\n      actions: '*'\n      where: \"region=\"\n");
  EXPECT_TRUE(startsWith(problem,
                         "p.yaml:5:14: key 'where' in rule 1: filter 'region=' at "
                         "column 8: "))
      << problem;
}

TEST(PolicyLoader, BadFilterRegexIsAProblem) {
  const std::string problem = onlyProblem(
      "rules:\n  - allow:\n      callers: '*'\n      actions: '*'\n      where: 'name=~/(/'\n");
  EXPECT_TRUE(startsWith(problem, "p.yaml:5:14: key 'where' in rule 1: filter ")) << problem;
}

TEST(PolicyLoader, UnknownConditionIsNamedWithWhatIsExpected) {
  const auto problems =
      problemsOf("rules:\n  - allow:\n      callers: '*'\n      action: [ping]\n");
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "p.yaml:4:7: key 'action' in rule 1: unknown key (expected 'callers', "
                          "'roles', 'actions', 'where')",
                          "p.yaml:2:5: key 'actions' in rule 1: missing (write \"*\" to match "
                          "any)"}));
}

TEST(PolicyLoader, YamlSyntaxErrorsArePlaced) {
  const std::string problem = onlyProblem("default: deny\nrules: [\n");
  EXPECT_TRUE(startsWith(problem, "p.yaml:")) << problem;
  EXPECT_NE(problem.find("YAML syntax error"), std::string::npos) << problem;
}

TEST(PolicyLoader, AnUnquotedStarIsAYamlErrorNotAWildcard) {
  const auto problems = problemsOf("rules:\n  - allow:\n      callers: *\n      actions: '*'\n");
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(startsWith(problems.front(), "p.yaml:3:")) << problems.front();
}

TEST(PolicyLoader, CollectsEveryProblemInOnePass) {
  const auto problems = problemsOf(R"Y(default: perhaps
rules:
  - allow:
      callers: [admin.*]
      actions: [Ping]
  - deny:
      callers: "*"
      actions: "*"
      where: "(("
)Y");
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_TRUE(startsWith(problems[0], "p.yaml:1:10: key 'default'"));
  EXPECT_TRUE(startsWith(problems[1], "p.yaml:4:17: key 'callers' in rule 1"));
  EXPECT_TRUE(startsWith(problems[2], "p.yaml:5:17: key 'actions' in rule 1"));
  EXPECT_TRUE(startsWith(problems[3], "p.yaml:9:14: key 'where' in rule 2"));
}

TEST(PolicyLoader, PolicyErrorListsEveryProblemOnItsOwnLine) {
  try {
    parsePolicy("default: x\nrules: 3\n", "p.yaml", "p");
    FAIL() << "expected PolicyError";
  } catch (const PolicyError& e) {
    EXPECT_EQ(std::string(e.what()),
              "p.yaml:1:10: key 'default': expected allow or deny, got 'x'\n"
              "p.yaml:2:8: key 'rules': expected a list of rules, got '3'");
  }
}

TEST(PolicyLoaderFiles, TheAgentIsTheFileName) {
  ScratchDir dir;
  const Policy policy = loadPolicyFile(dir.write("puppet.yaml", "default: allow\n"));
  EXPECT_EQ(policy.agent, "puppet");
  EXPECT_EQ(policy.file, (dir / "puppet.yaml").string());
}

TEST(PolicyLoaderFiles, ProblemsNameTheFilesPath) {
  ScratchDir dir;
  const auto file = dir.write("puppet.yaml", "default: deny\nrulez: []\n");
  try {
    loadPolicyFile(file);
    FAIL() << "expected PolicyError";
  } catch (const PolicyError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ":2:1: key 'rulez': unknown key (expected 'default', 'rules')");
  }
}

TEST(PolicyLoaderFiles, FileNamesMustBeAgentNames) {
  ScratchDir dir;
  const auto file = dir.write("Puppet-CA.yaml", "default: deny\n");
  try {
    loadPolicyFile(file);
    FAIL() << "expected PolicyError";
  } catch (const PolicyError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ": 'Puppet-CA' is not an agent name (use a-z, 0-9 and _)");
  }
}

TEST(PolicyLoaderFiles, UnreadableFileIsAProblem) {
  ScratchDir dir;
  EXPECT_THROW(loadPolicyFile(dir / "missing.yaml"), PolicyError);
}

TEST(PolicyLoaderFiles, DirectoryCollectsProblemsOfEveryFile) {
  ScratchDir dir;
  dir.write("echo.yaml", "default: allow\n");
  dir.write("puppet.yaml", "default: nope\n");
  dir.write("service.yml", "default: deny\n");
  dir.write("rpcutil.yaml", "rules:\n  - allow: {callers: '*', actions: [ping], extra: 1}\n");
  try {
    loadPolicyDirectory(dir.path());
    FAIL() << "expected PolicyError";
  } catch (const PolicyError& e) {
    EXPECT_EQ(e.problems(),
              (std::vector<std::string>{
                  (dir / "puppet.yaml").string() +
                      ":1:10: key 'default': expected allow or deny, got 'nope'",
                  (dir / "rpcutil.yaml").string() +
                      ":2:44: key 'extra' in rule 1: unknown key (expected 'callers', 'roles', "
                      "'actions', 'where')",
                  (dir / "service.yml").string() + ": policy files are named AGENT.yaml"}));
  }
}

TEST(PolicyLoaderFiles, DirectorySkipsOtherFiles) {
  ScratchDir dir;
  dir.write("echo.yaml", "default: allow\n");
  dir.write("notes.txt", "default: [\n");
  dir.write(".hidden.yaml", "default: [\n");
  dir.write("echo.yaml~", "default: [\n");
  const PolicyMap policies = loadPolicyDirectory(dir.path());
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies.begin()->first, "echo");
}

}  // namespace
}  // namespace drover::policy::test
