#pragma once
// The actions the suite covers: every action of every built-in agent's shipped DDL,
// read from ddl/ when the test binary starts, as "agent#action".
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace drover::conformance {

struct AgentAction {
  std::string agent;
  std::string action;
};

inline void PrintTo(const AgentAction& action, std::ostream* out) {
  *out << action.agent << "#" << action.action;
}

/// Every action of every agent in kBuiltinAgents, in DDL order.
std::vector<AgentAction> builtinActions();

/// "agent_action", for test names (letters, digits and '_' only).
std::string testName(const AgentAction& action);
inline std::string nameOf(const ::testing::TestParamInfo<AgentAction>& action) {
  return testName(action.param);
}

}  // namespace drover::conformance
