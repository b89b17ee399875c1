// What loads with a warning (Ddl::warnings) rather than failing: what Choria loads too,
// named by JSON path so droverd's log and `drover plugin doc` show where to look.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ddl/loader.hpp"
#include "tests/unit/ddl/load_helpers.hpp"

namespace drover::ddl {
namespace {

using ::testing::IsEmpty;

using testing::loadError;
using testing::withAction;

TEST(DdlLoadWarning, ToleratesUnknownKeys) {
  Ddl ddl = parseText(R"({"$schema": "x", "future": 1,
      "metadata": {"name": "demo", "icon": "x.png", "service": true},
      "actions": [{"action": "run", "new_key": [1],
                   "input": {"a": {"type": "string", "widget": "text"}}}]})",
                      "t.json");
  EXPECT_TRUE(ddl.metadata.service);
  EXPECT_EQ(ddl.actions[0].inputs[0].name, "a");
  EXPECT_EQ(ddl.warnings, (std::vector<std::string>{
                              "t.json: future: key unknown to this Drover, ignored",
                              "t.json: metadata.icon: key unknown to this Drover, ignored",
                              "t.json: actions[0].new_key: key unknown to this Drover, ignored",
                              "t.json: actions[0].input.a.widget: key unknown to this Drover, "
                              "ignored"}));
}

TEST(DdlLoadWarning, UnknownKeysOfOutputsAndAggregatesWarnToo) {
  Ddl ddl = parseText(R"({"metadata": {"name": "demo"}, "actions": [{"action": "run",
      "output": {"v": {"display_as": "V", "unit": "ms"}},
      "aggregate": [{"function": "summary", "args": ["v"], "\u0007bell": {}}]}]})",
                      "t.json");
  EXPECT_EQ(ddl.actions[0].aggregates.size(), 1u);
  EXPECT_EQ(ddl.warnings, (std::vector<std::string>{
                              "t.json: actions[0].output.v.unit: key unknown to this Drover, "
                              "ignored",
                              "t.json: actions[0].aggregate[0].\\x07bell: key unknown to this "
                              "Drover, ignored"}));
}

TEST(DdlLoadWarning, UnknownTypesLoadWithAWarningNamingFileAndPath) {
  // As in Choria; every value sent for the input is refused (unchecked_inputs_test.cpp).
  Ddl ddl = parseText(withAction(R"("input": {"environment": {"type": "strng"}},
                                    "output": {"v": {"type": "strng"}})"),
                      "ddl/puppet.json");
  const Input* input = ddl.actions[2].findInput("environment");
  EXPECT_EQ(input->unknownType, "strng");
  EXPECT_EQ(input->type, InputType::Any);
  EXPECT_EQ(ddl.actions[2].findOutput("v")->type, "strng");
  EXPECT_EQ(ddl.warnings,
            (std::vector<std::string>{
                "ddl/puppet.json: actions[2].input.environment.type: type 'strng' is unknown to "
                "this Drover: every value sent for input 'environment' is refused",
                "ddl/puppet.json: actions[2].output.v.type: type 'strng' is unknown to this "
                "Drover"}));
}

TEST(DdlLoadWarning, DefaultBreakingItsOwnRuleLoadsWithAWarning) {
  Ddl ddl = parseText(withAction(R"("input": {
      "token": {"type": "string", "default": "", "validation": ".", "maxlength": 128},
      "code": {"type": "string", "default": "ABC", "maxlength": 2},
      "mode": {"type": "list", "list": ["a", "b"], "default": "c"},
      "fine": {"type": "string", "default": "x", "validation": "."}})"),
                      "t.json");
  EXPECT_EQ(ddl.actions[2].findInput("token")->defaultValue, Json(""));
  EXPECT_EQ(ddl.warnings,
            (std::vector<std::string>{
                "t.json: actions[2].input.token.default: \"\" breaks the input's own rule (input "
                "'token' fails validation 'regex': does not match /./); the agent still gets it "
                "when a call leaves the input out",
                "t.json: actions[2].input.code.default: \"ABC\" breaks the input's own rule (input "
                "'code' fails validation 'maxlength': 3 characters, at most 2 allowed); the agent "
                "still gets it when a call leaves the input out",
                "t.json: actions[2].input.mode.default: \"c\" breaks the input's own rule (input "
                "'mode' fails validation 'list': must be one of a, b); the agent still gets it "
                "when a call leaves the input out"}));
  EXPECT_THAT(parseText(withAction(""), "t.json").warnings, IsEmpty());
}

TEST(DdlLoadWarning, UnknownNamedValidatorLoadsWithAWarning) {
  // As in Choria, which warns; values for the input are refused (unchecked_inputs_test.cpp).
  Ddl ddl = parseText(
      withAction(R"("input": {"env": {"type": "string", "validation": "puppet_varible"}})"),
      "t.json");
  EXPECT_EQ(ddl.actions[2].findInput("env")->validation, "puppet_varible");
  EXPECT_EQ(ddl.warnings, std::vector<std::string>{
                              "t.json: actions[2].input.env.validation: validator "
                              "'puppet_varible' is unknown to this Drover: every value sent for "
                              "input 'env' is refused"});
}

TEST(DdlLoadWarning, UnknownAggregateFunctionIsSkippedWithAWarning) {
  // MCollective plugins bring their own functions (nettest_mma); their arguments are theirs.
  Ddl ddl = parseText(withAction(R"("aggregate": [
      {"function": "nettest_mma", "args": ["rtt", {"format": "Min: %.3fms"}]},
      {"function": "summary", "args": ["version"]},
      {"function": "process_summary", "args": {"odd": true}}])"),
                      "t.json");
  ASSERT_EQ(ddl.actions[2].aggregates.size(), 1u);
  EXPECT_EQ(ddl.actions[2].aggregates[0].function, "summary");
  EXPECT_EQ(ddl.warnings,
            (std::vector<std::string>{
                "t.json: actions[2].aggregate[0].function: aggregate function 'nettest_mma' is "
                "unknown to this Drover: no summary is shown for it",
                "t.json: actions[2].aggregate[2].function: aggregate function 'process_summary' "
                "is unknown to this Drover: no summary is shown for it"}));
}

TEST(DdlLoadWarning, ChartAggregateLoadsAndIsCheckedLikeTheOthers) {
  Ddl ddl = parseText(withAction(R"("aggregate": [{"function": "chart", "args": ["version"]}])"),
                      "t.json");
  EXPECT_EQ(ddl.actions[2].aggregates.at(0).function, "chart");
  EXPECT_THAT(ddl.warnings, IsEmpty());
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "chart", "args": ["vesion"]}])")),
            "t.json: actions[2].aggregate[0].args[0]: unknown output 'vesion'");
}

}  // namespace
}  // namespace drover::ddl
