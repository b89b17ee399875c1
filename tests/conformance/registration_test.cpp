// Each built-in agent's actions against its DDL (ddl/<agent>.json) at registration:
// every DDL action reaches a handler through the node's one lookup, and a DDL that
// lists an action the agent lacks, or lacks one the agent has, stops the agent with an
// error naming both.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "agents/builtin.hpp"
#include "tests/conformance/sandbox.hpp"

namespace drover::conformance {
namespace {

namespace fs = std::filesystem;

TEST(Registration, EveryDdlActionOfEveryBuiltinAgentHasItsHandlerOnTheNode) {
  Sandbox sandbox;
  for (const auto& name : kBuiltinAgents) {
    const agents::Agent* agent = sandbox.node().findAgent(name);
    ASSERT_NE(agent, nullptr) << "built-in agent " << name << " is not registered";
    for (const auto& action : sandbox.ddls().find(name)->actions) {
      const agents::BoundAction* bound = agent->findAction(action.name);
      ASSERT_NE(bound, nullptr) << name << "#" << action.name;
      EXPECT_TRUE(bound->handler) << name << "#" << action.name << " has no handler";
      EXPECT_EQ(bound->ddl->name, action.name);
    }
  }
}

TEST(Registration, AnActionOutsideTheDdlIsNotFound) {
  Sandbox sandbox;
  std::string why;
  EXPECT_EQ(sandbox.node().findAgent("puppet")->findAction("reboot", &why), nullptr);
  EXPECT_EQ(why,
            "agent 'puppet' has no action 'reboot' (actions: runonce, status, "
            "last_run_summary, disable, enable)");
}

// The shipped DDLs copied to a scratch directory, `agent`'s changed by `edit`.
class EditedDdls {
 public:
  template <typename Edit>
  EditedDdls(const std::string& agent, Edit edit) {
    for (const auto& entry : fs::directory_iterator(fs::path(DROVER_SOURCE_DIR) / "ddl")) {
      if (entry.path().extension() == ".json")
        fs::copy(entry.path(), dir_ / entry.path().filename().string());
    }
    fs::path file = dir_ / (agent + ".json");
    Json ddl = Json::parse(std::ifstream(file));
    edit(ddl["actions"]);
    std::ofstream(file) << ddl.dump(2);
  }
  ddl::Repository repository() const { return ddl::Repository({dir_.path()}); }

 private:
  ::drover::testing::TempDir dir_;
};

// What registering every built-in agent over `ddls` says, or "" when it succeeds.
std::string registrationError(const ddl::Repository& ddls) {
  node::NodeIdentity id;
  id.identity = kIdentity;
  node::NodeCore core(id);
  agents::BuiltinConfig config;
  config.puppetca.puppetConf = "/nonexistent/puppet.conf";  // registers puppetca too
  try {
    agents::makeBuiltinAgents(ddls, core, config);
  } catch (const agents::RegistrationError& e) {
    return e.what();
  }
  return "";
}

class RegistrationOf : public ::testing::TestWithParam<std::string> {};

TEST_P(RegistrationOf, TheShippedDdlRegisters) {
  EXPECT_EQ(registrationError(EditedDdls(GetParam(), [](Json&) {}).repository()), "");
}

TEST_P(RegistrationOf, ADdlActionWithoutHandlerIsAnErrorNamingAgentAndAction) {
  EditedDdls ddls(GetParam(), [](Json& actions) {
    Json extra = actions.front();
    extra["action"] = "conformance_extra";
    actions.push_back(extra);
  });
  std::string error = registrationError(ddls.repository());
  EXPECT_NE(error.find("agent '" + GetParam() + "'"), std::string::npos) << error;
  EXPECT_NE(error.find("action 'conformance_extra' is in the DDL but has no handler"),
            std::string::npos)
      << error;
}

TEST_P(RegistrationOf, AHandlerWithoutDdlActionIsAnErrorNamingAgentAndAction) {
  std::string dropped;
  EditedDdls ddls(GetParam(), [&](Json& actions) {
    dropped = actions.back()["action"].get<std::string>();
    actions.erase(actions.size() - 1);
  });
  std::string error = registrationError(ddls.repository());
  EXPECT_NE(error.find("agent '" + GetParam() + "'"), std::string::npos) << error;
  EXPECT_NE(error.find("action '" + dropped + "' has a handler but is not in the DDL"),
            std::string::npos)
      << error;
}

INSTANTIATE_TEST_SUITE_P(Builtin, RegistrationOf, ::testing::ValuesIn(kBuiltinAgents),
                         [](const ::testing::TestParamInfo<std::string>& agent) {
                           return agent.param;
                         });

}  // namespace
}  // namespace drover::conformance
