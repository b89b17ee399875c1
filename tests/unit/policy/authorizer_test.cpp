// Authorization decisions: built-in defaults, rpcutil's read-only exception, first match
// wins, caller names and regexes, roles, `where` conditions on the node, wildcards,
// reloading, and the example policies shipped in etc/policies.
#include "core/policy/authorizer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/policy/scratch_dir.hpp"

namespace drover::policy::test {
namespace {

struct TestNode {
  Json facts = Json::object();
  std::vector<std::string> classes;
  std::vector<std::string> agents = {"rpcutil", "puppet"};
  std::string identity = "web1.example.com";

  filter::NodeView view() const { return {facts, classes, agents, identity}; }
};

TestNode euWebNode() {
  TestNode node;
  node.facts = {{"region", "eu-west-1"}, {"cpus", 4}, {"env", "production"}};
  node.classes = {"role::web", "profile::base"};
  return node;
}

TestNode usDbNode() {
  TestNode node;
  node.facts = {{"region", "us-east-1"}, {"cpus", 16}, {"env", "production"}};
  node.classes = {"role::db"};
  node.identity = "db1.example.com";
  return node;
}

const Caller kAlice{"admin.alice", "admin"};
const Caller kBob{"ops.bob", "admin"};
const Caller kNode{"web2.example.com", "node"};
const Caller kProvisioner{"prov1.provisioner", "provisioner"};

class PolicyAuthorizer : public ::testing::Test {
 protected:
  Decision decide(const Caller& caller, const std::string& agent, const std::string& action,
                  const TestNode& node = euWebNode()) {
    Authorizer authorizer(dir_.path());
    return authorizer.decide(caller, agent, action, node.view());
  }

  bool allowed(const Caller& caller, const std::string& agent, const std::string& action,
               const TestNode& node = euWebNode()) {
    return decide(caller, agent, action, node).allowed;
  }

  std::string file(const std::string& agent) const { return (dir_ / (agent + ".yaml")).string(); }

  ScratchDir dir_;
};

TEST_F(PolicyAuthorizer, AgentWithoutPolicyIsDeniedByDefault) {
  const Decision decision = decide(kAlice, "puppet", "runonce");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "default deny: no policy for agent puppet");
}

TEST_F(PolicyAuthorizer, WithoutDirectoryOnlyBuiltinDefaultsApply) {
  const Authorizer authorizer;
  const TestNode node = euWebNode();
  EXPECT_FALSE(authorizer.decide(kAlice, "puppet", "status", node.view()).allowed);
  EXPECT_TRUE(authorizer.decide(kAlice, "rpcutil", "ping", node.view()).allowed);
  EXPECT_TRUE(authorizer.agents().empty());
  EXPECT_TRUE(authorizer.directory().empty());
}

TEST_F(PolicyAuthorizer, RpcutilReadOnlyActionsAreAllowedToAnyoneWithoutPolicy) {
  for (const auto& action : kRpcutilReadOnlyActions) {
    for (const auto& caller : {kAlice, kNode, kProvisioner, Caller{"someone", ""}}) {
      const Decision decision = decide(caller, "rpcutil", std::string(action));
      EXPECT_TRUE(decision.allowed) << action << " by " << caller.name;
      EXPECT_EQ(decision.reason, "default allow: rpcutil " + std::string(action) +
                                     " is read-only and there is no policy for agent rpcutil");
    }
  }
}

TEST_F(PolicyAuthorizer, OtherRpcutilActionsAreDeniedWithoutPolicy) {
  const Decision decision = decide(kAlice, "rpcutil", "shutdown");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "default deny: no policy for agent rpcutil");
  EXPECT_FALSE(allowed(kAlice, "puppetca", "ping"));  // the exception is rpcutil's only
}

TEST_F(PolicyAuthorizer, RpcutilPolicyFileReplacesTheDefaults) {
  dir_.write("rpcutil.yaml", R"Y(default: deny
rules:
  - allow:
      callers: "*"
      roles: [admin]
      actions: [ping]
)Y");
  EXPECT_TRUE(allowed(kAlice, "rpcutil", "ping"));
  EXPECT_FALSE(allowed(kNode, "rpcutil", "ping"));
  const Decision decision = decide(kAlice, "rpcutil", "inventory");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "default deny of " + file("rpcutil") + ": no rule matched");
}

TEST_F(PolicyAuthorizer, RpcutilDenyAllFileDeniesReads) {
  dir_.write("rpcutil.yaml", "default: deny\n");
  for (const auto& action : kRpcutilReadOnlyActions) {
    EXPECT_FALSE(allowed(kAlice, "rpcutil", std::string(action))) << action;
  }
}

TEST_F(PolicyAuthorizer, FirstMatchingRuleWins) {
  dir_.write("service.yaml", R"Y(default: allow
rules:
  - deny:
      callers: "*"
      actions: [stop]
  - allow:
      callers: [admin.alice]
      actions: "*"
)Y");
  const Decision stop = decide(kAlice, "service", "stop");
  EXPECT_FALSE(stop.allowed);
  EXPECT_EQ(stop.reason, "deny by rule 1 at " + file("service") + ":3");
  const Decision start = decide(kAlice, "service", "start");
  EXPECT_TRUE(start.allowed);
  EXPECT_EQ(start.reason, "allow by rule 2 at " + file("service") + ":6");
}

TEST_F(PolicyAuthorizer, AnEarlierAllowBeatsALaterDeny) {
  dir_.write("service.yaml", R"Y(rules:
  - allow: {callers: [admin.alice], actions: [stop]}
  - deny: {callers: "*", actions: "*"}
)Y");
  EXPECT_TRUE(allowed(kAlice, "service", "stop"));
  EXPECT_FALSE(allowed(kAlice, "service", "start"));
  EXPECT_FALSE(allowed(kBob, "service", "stop"));
}

TEST_F(PolicyAuthorizer, NoMatchingRuleFallsBackToTheFileDefault) {
  dir_.write("open.yaml", "default: allow\nrules:\n  - deny: {callers: [ops.bob], actions: '*'}\n");
  dir_.write("closed.yaml", "rules:\n  - allow: {callers: [ops.bob], actions: '*'}\n");
  const Decision open = decide(kAlice, "open", "anything");
  EXPECT_TRUE(open.allowed);
  EXPECT_EQ(open.reason, "default allow of " + file("open") + ": no rule matched");
  EXPECT_FALSE(allowed(kBob, "open", "anything"));
  EXPECT_FALSE(allowed(kAlice, "closed", "anything"));  // `default` left out: deny
  EXPECT_TRUE(allowed(kBob, "closed", "anything"));
}

TEST_F(PolicyAuthorizer, ExactCallerNamesMatchWholeNamesOnly) {
  dir_.write("echo.yaml", "rules:\n  - allow: {callers: [admin.alice, ops.bob], actions: '*'}\n");
  EXPECT_TRUE(allowed(kAlice, "echo", "echo"));
  EXPECT_TRUE(allowed(kBob, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"admin.alice2", "admin"}, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"admin.ali", "admin"}, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"Admin.Alice", "admin"}, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"", "admin"}, "echo", "echo"));
}

TEST_F(PolicyAuthorizer, CallerRegexesArePartialMatchesAnchoredByTheAuthor) {
  dir_.write("echo.yaml", R"Y(rules:
  - allow: {callers: ["/^ops\\./"], actions: [echo]}
  - allow: {callers: ["/bot/"], actions: [echo]}
)Y");
  EXPECT_TRUE(allowed(kBob, "echo", "echo"));
  EXPECT_TRUE(allowed(Caller{"ops.carol", "admin"}, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"devops.dave", "admin"}, "echo", "echo"));
  EXPECT_FALSE(allowed(Caller{"opsXeve", "admin"}, "echo", "echo"));
  EXPECT_TRUE(allowed(Caller{"ci.robot.1", "admin"}, "echo", "echo"));
}

TEST_F(PolicyAuthorizer, StarMatchesEveryCaller) {
  dir_.write("echo.yaml", "rules:\n  - allow: {callers: '*', actions: '*'}\n");
  EXPECT_TRUE(allowed(kAlice, "echo", "echo"));
  EXPECT_TRUE(allowed(kNode, "echo", "echo"));
  EXPECT_TRUE(allowed(Caller{"", ""}, "echo", "echo"));
}

TEST_F(PolicyAuthorizer, RolesRestrictWhichCallersMatch) {
  dir_.write("puppetca.yaml", R"Y(rules:
  - allow:
      callers: "*"
      roles: [provisioner]
      actions: [sign, clean]
  - allow:
      callers: "*"
      roles: [admin, provisioner]
      actions: [list, status]
)Y");
  EXPECT_TRUE(allowed(kProvisioner, "puppetca", "sign"));
  EXPECT_FALSE(allowed(kAlice, "puppetca", "sign"));
  EXPECT_TRUE(allowed(kAlice, "puppetca", "list"));
  EXPECT_TRUE(allowed(kProvisioner, "puppetca", "status"));
  EXPECT_FALSE(allowed(kNode, "puppetca", "list"));
  EXPECT_FALSE(allowed(Caller{"prov1.provisioner", ""}, "puppetca", "sign"));
}

TEST_F(PolicyAuthorizer, RoleStarIsTheSameAsNoRoles) {
  dir_.write("echo.yaml", "rules:\n  - allow: {callers: '*', roles: '*', actions: '*'}\n");
  EXPECT_TRUE(allowed(kNode, "echo", "echo"));
  EXPECT_TRUE(allowed(Caller{"x", ""}, "echo", "echo"));
}

TEST_F(PolicyAuthorizer, WhereMatchesTheNodesFacts) {
  dir_.write("puppet.yaml", R"Y(rules:
  - allow:
      callers: "*"
      roles: [admin]
      actions: [runonce]
      where: "region=eu-west-1 and cpus>=4"
)Y");
  EXPECT_TRUE(allowed(kAlice, "puppet", "runonce", euWebNode()));
  EXPECT_FALSE(allowed(kAlice, "puppet", "runonce", usDbNode()));
  TestNode small = euWebNode();
  small.facts["cpus"] = 2;
  EXPECT_FALSE(allowed(kAlice, "puppet", "runonce", small));
}

TEST_F(PolicyAuthorizer, WhereMatchesClassesAndIdentity) {
  dir_.write("service.yaml", R"Y(rules:
  - allow: {callers: "*", actions: [restart], where: "class(role::web)"}
  - allow: {callers: "*", actions: [status], where: "identity(/^db\\d+\\./) or role::web"}
)Y");
  EXPECT_TRUE(allowed(kAlice, "service", "restart", euWebNode()));
  EXPECT_FALSE(allowed(kAlice, "service", "restart", usDbNode()));
  EXPECT_TRUE(allowed(kAlice, "service", "status", usDbNode()));
  EXPECT_TRUE(allowed(kAlice, "service", "status", euWebNode()));
}

TEST_F(PolicyAuthorizer, DenyWhereOnAMissingFactDoesNotMatch) {
  dir_.write("puppet.yaml", R"Y(default: allow
rules:
  - deny: {callers: "*", actions: "*", where: "maintenance=true"}
)Y");
  TestNode inMaintenance = euWebNode();
  inMaintenance.facts["maintenance"] = true;
  EXPECT_FALSE(allowed(kAlice, "puppet", "runonce", inMaintenance));
  EXPECT_TRUE(allowed(kAlice, "puppet", "runonce", euWebNode()));  // no such fact
}

TEST_F(PolicyAuthorizer, StarActionsMatchEveryAction) {
  dir_.write("puppet.yaml", R"Y(rules:
  - deny: {callers: "*", roles: [node], actions: "*"}
  - allow: {callers: "*", actions: ["*"]}
)Y");
  for (const std::string action : {"runonce", "status", "last_run_summary", "x"}) {
    EXPECT_TRUE(allowed(kAlice, "puppet", action)) << action;
    EXPECT_FALSE(allowed(kNode, "puppet", action)) << action;
  }
}

TEST_F(PolicyAuthorizer, ListedActionsMatchExactly) {
  dir_.write("puppet.yaml", "rules:\n  - allow: {callers: '*', actions: [run, status]}\n");
  EXPECT_TRUE(allowed(kAlice, "puppet", "run"));
  EXPECT_FALSE(allowed(kAlice, "puppet", "runonce"));
  EXPECT_FALSE(allowed(kAlice, "puppet", "Run"));
}

TEST_F(PolicyAuthorizer, EveryConditionOfARuleMustHold) {
  dir_.write("puppet.yaml", R"Y(rules:
  - allow:
      callers: [admin.alice]
      roles: [admin]
      actions: [runonce]
      where: "class(role::web)"
)Y");
  EXPECT_TRUE(allowed(kAlice, "puppet", "runonce", euWebNode()));
  EXPECT_FALSE(allowed(Caller{"admin.alice", "node"}, "puppet", "runonce", euWebNode()));
  EXPECT_FALSE(allowed(kBob, "puppet", "runonce", euWebNode()));
  EXPECT_FALSE(allowed(kAlice, "puppet", "status", euWebNode()));
  EXPECT_FALSE(allowed(kAlice, "puppet", "runonce", usDbNode()));
}

TEST_F(PolicyAuthorizer, ListsTheAgentsWithPolicies) {
  dir_.write("puppet.yaml", "default: deny\n");
  dir_.write("echo.yaml", "default: allow\n");
  dir_.write("README.md", "not a policy\n");
  dir_.write(".rpcutil.yaml.swp", "editor junk\n");
  dir_.write("puppet.yaml.bak", "default: [\n");
  std::filesystem::create_directory(dir_ / "old.yaml");
  const Authorizer authorizer(dir_.path());
  EXPECT_EQ(authorizer.agents(), (std::vector<std::string>{"echo", "puppet"}));
  EXPECT_EQ(authorizer.directory(), dir_.path());
}

TEST_F(PolicyAuthorizer, ABrokenFileRefusesTheWholeDirectory) {
  dir_.write("echo.yaml", "default: allow\n");
  dir_.write("puppet.yaml", "default: allow\nrules:\n  - allow: {callers: '*', action: '*'}\n");
  EXPECT_THROW(Authorizer{dir_.path()}, PolicyError);
}

TEST_F(PolicyAuthorizer, AMissingDirectoryIsAnError) {
  try {
    Authorizer authorizer(dir_ / "nope");
    FAIL() << "expected PolicyError";
  } catch (const PolicyError& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "nope").string()), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("cannot read the policy directory"), std::string::npos);
  }
}

TEST_F(PolicyAuthorizer, ReloadPicksUpNewFilesAndKeepsTheOldPoliciesOnError) {
  Authorizer authorizer(dir_.path());
  const TestNode node = euWebNode();
  EXPECT_FALSE(authorizer.decide(kAlice, "echo", "echo", node.view()).allowed);
  dir_.write("echo.yaml", "default: allow\n");
  authorizer.reload();
  EXPECT_TRUE(authorizer.decide(kAlice, "echo", "echo", node.view()).allowed);
  dir_.write("echo.yaml", "default: maybe\n");
  EXPECT_THROW(authorizer.reload(), PolicyError);
  EXPECT_TRUE(authorizer.decide(kAlice, "echo", "echo", node.view()).allowed);
  std::filesystem::remove(dir_ / "echo.yaml");
  authorizer.reload();
  EXPECT_FALSE(authorizer.decide(kAlice, "echo", "echo", node.view()).allowed);
}

TEST_F(PolicyAuthorizer, DecideIsSafeWhileAnotherThreadReloads) {
  dir_.write("echo.yaml", "rules:\n  - allow: {callers: [admin.alice], actions: '*'}\n");
  Authorizer authorizer(dir_.path());
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> deciders;
  for (int t = 0; t < 4; ++t) {
    deciders.emplace_back([&] {
      const TestNode node = euWebNode();
      while (!stop) {
        if (!authorizer.decide(kAlice, "echo", "echo", node.view()).allowed) ++wrong;
        if (authorizer.decide(kBob, "echo", "echo", node.view()).allowed) ++wrong;
      }
    });
  }
  for (int i = 0; i < 50; ++i) authorizer.reload();
  stop = true;
  for (auto& thread : deciders) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// The examples shipped in etc/policies load, and do what their comments say.
TEST(PolicyExamples, ShippedPoliciesLoadAndKeepTheDefaults) {
  const Authorizer authorizer(std::filesystem::path(DROVER_SOURCE_DIR) / "etc" / "policies");
  const TestNode node = euWebNode();
  EXPECT_EQ(authorizer.agents(), (std::vector<std::string>{"cluster", "echo", "naming", "provision",
                                                           "puppet", "puppetca", "rpcutil"}));
  for (const auto& action : kRpcutilReadOnlyActions) {
    EXPECT_TRUE(authorizer.decide(kNode, "rpcutil", std::string(action), node.view()).allowed)
        << action;
  }
  EXPECT_FALSE(authorizer.decide(kAlice, "rpcutil", "shutdown", node.view()).allowed);
  EXPECT_TRUE(authorizer.decide(kAlice, "echo", "echo", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kNode, "echo", "echo", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kProvisioner, "echo", "echo", node.view()).allowed);
  // Provisioning: provisioners drive it, admins read it, nodes get nothing.
  EXPECT_TRUE(authorizer.decide(kProvisioner, "provision", "enrol", node.view()).allowed);
  EXPECT_TRUE(authorizer.decide(kProvisioner, "puppetca", "sign", node.view()).allowed);
  EXPECT_TRUE(authorizer.decide(kAlice, "provision", "status", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kAlice, "provision", "claim", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kAlice, "puppetca", "sign", node.view()).allowed);
  EXPECT_TRUE(authorizer.decide(kAlice, "puppet", "disable", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kProvisioner, "puppet", "disable", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kNode, "puppetca", "list", node.view()).allowed);
  // Naming: provisioners and admins rename and push hosts, everyone else reads.
  for (const char* action : {"set_name", "update_hosts", "status"}) {
    EXPECT_TRUE(authorizer.decide(kProvisioner, "naming", action, node.view()).allowed) << action;
    EXPECT_TRUE(authorizer.decide(kAlice, "naming", action, node.view()).allowed) << action;
  }
  EXPECT_TRUE(authorizer.decide(kNode, "naming", "status", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kNode, "naming", "set_name", node.view()).allowed);
  EXPECT_FALSE(authorizer.decide(kNode, "naming", "update_hosts", node.view()).allowed);
  // Cluster: provisioners and admins only, reads included (stages shows stage output).
  for (const char* action : {"ssh_keys", "set_trust", "run_stage", "write_file", "stages"}) {
    EXPECT_TRUE(authorizer.decide(kProvisioner, "cluster", action, node.view()).allowed) << action;
    EXPECT_TRUE(authorizer.decide(kAlice, "cluster", action, node.view()).allowed) << action;
    EXPECT_FALSE(authorizer.decide(kNode, "cluster", action, node.view()).allowed) << action;
  }
}

}  // namespace
}  // namespace drover::policy::test
