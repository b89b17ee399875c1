// Every input each built-in agent's DDL declares is accepted: a request giving it a
// valid value (samples.cpp) passes the node's checks and reaches the agent, alone with
// the required inputs and together with all the others. A refusal as invalid_arguments
// means the DDL's rule rejects what its own agent is meant to take.
#include <gtest/gtest.h>

#include "tests/conformance/actions.hpp"
#include "tests/conformance/samples.hpp"
#include "tests/conformance/sandbox.hpp"

namespace drover::conformance {
namespace {

class Inputs : public ::testing::TestWithParam<AgentAction> {
 protected:
  const ddl::Action& action() {
    return *sandbox_.ddls().find(GetParam().agent)->findAction(GetParam().action);
  }
  void expectAccepted(const Json& args) {
    node::Decision decision = sandbox_.inspect(GetParam().agent, GetParam().action, args);
    EXPECT_EQ(decision.kind, node::Decision::Kind::Run)
        << GetParam().agent << "#" << GetParam().action << " " << args.dump()
        << " refused: " << decision.reason << " " << decision.reply.status.message;
  }

  Sandbox sandbox_;
};

TEST_P(Inputs, TheSampleGivesEveryDeclaredInputAndNothingElse) {
  auto sample = validInputs(GetParam().agent, GetParam().action);
  ASSERT_TRUE(sample) << "no sample for " << GetParam().agent << "#" << GetParam().action
                      << " in tests/conformance/samples.cpp";
  for (const auto& input : action().inputs) {
    EXPECT_TRUE(sample->contains(input.name)) << "the sample lacks input '" << input.name << "'";
  }
  for (const auto& [name, value] : sample->items()) {
    EXPECT_NE(action().findInput(name), nullptr)
        << "the sample gives undeclared input '" << name << "'";
  }
}

TEST_P(Inputs, EveryDeclaredInputIsAccepted) {
  Json all = validInputs(GetParam().agent, GetParam().action).value_or(Json::object());
  Json required = Json::object();
  for (const auto& input : action().inputs) {
    if (!input.optional && all.contains(input.name)) required[input.name] = all[input.name];
  }
  expectAccepted(all);
  for (const auto& input : action().inputs) {
    if (!all.contains(input.name)) continue;
    Json one = required;
    one[input.name] = all[input.name];
    expectAccepted(one);
  }
}

INSTANTIATE_TEST_SUITE_P(Builtin, Inputs, ::testing::ValuesIn(builtinActions()), nameOf);

}  // namespace
}  // namespace drover::conformance
