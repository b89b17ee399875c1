// renderReply(), shouldDisplay() and renderSummaries().
#include "core/ddl/render.hpp"

#include <gtest/gtest.h>

#include "core/ddl/loader.hpp"

namespace drover::ddl {
namespace {

const Action& status() {
  static const Ddl ddl = parseText(R"({
    "metadata": {"name": "demo"},
    "actions": [{
      "action": "status", "display": "always",
      "output": {
        "status":  {"display_as": "Service Status"},
        "enabled": {"display_as": "Enabled"},
        "pid":     {"display_as": "PID"},
        "raw":     {}
      },
      "aggregate": [{"function": "summary", "args": ["status"]},
                    {"function": "boolean_summary",
                     "args": ["enabled", {"true": "on", "false": "off"}]}]
    }]})",
                                   "demo.json");
  return ddl.actions[0];
}

TEST(DdlRenderReply, DeclaredOutputsInDdlOrderThenOthers) {
  Json data = {{"pid", 42},
               {"zeta", {{"b", 1}, {"a", Json::array({1, "x"})}}},
               {"status", "running"},
               {"alpha", nullptr},
               {"enabled", true}};
  EXPECT_EQ(renderReply(status(), data, 0),
            "Service Status: running\n"
            "       Enabled: true\n"
            "           PID: 42\n"
            "         alpha: \n"
            "          zeta: {\"a\":[1,\"x\"],\"b\":1}\n");
}

TEST(DdlRenderReply, IndentAndMultiLineValues) {
  Json data = {{"status", "line one\nline two"}, {"raw", "x"}};
  EXPECT_EQ(renderReply(status(), data, 4),
            "    Service Status: line one\n"
            "                    line two\n"
            "               raw: x\n");
}

TEST(DdlRenderReply, DataThatIsNotAnObject) {
  EXPECT_EQ(renderReply(status(), "plain text", 2), "  plain text\n");
  EXPECT_EQ(renderReply(status(), Json::object(), 2), "");
}

TEST(DdlRenderReply, ShouldDisplayFollowsThePolicy) {
  Action action;
  action.display = DisplayPolicy::Always;
  EXPECT_TRUE(shouldDisplay(action, true));
  EXPECT_TRUE(shouldDisplay(action, false));
  action.display = DisplayPolicy::Ok;
  EXPECT_TRUE(shouldDisplay(action, true));
  EXPECT_FALSE(shouldDisplay(action, false));
  action.display = DisplayPolicy::Failed;
  EXPECT_FALSE(shouldDisplay(action, true));
  EXPECT_TRUE(shouldDisplay(action, false));
}

TEST(DdlRenderReply, SummariesUseDisplayAs) {
  std::vector<Json> replies = {{{"status", "running"}, {"enabled", true}},
                               {{"status", "stopped"}, {"enabled", false}},
                               {{"status", "running"}, {"enabled", true}}};
  EXPECT_EQ(renderSummaries(status(), replies),
            "Summary of Service Status:\n\n"
            "   running: 2\n"
            "   stopped: 1\n\n"
            "Summary of Enabled:\n\n"
            "    on: 2\n"
            "   off: 1\n\n");
  Action none;
  EXPECT_EQ(renderSummaries(none, replies), "");
}

TEST(DdlRenderReply, SummariesAreOneBlockPerOutput) {
  const Ddl ddl = parseText(R"({
    "metadata": {"name": "demo"},
    "actions": [{
      "action": "run",
      "output": {"outcome": {"display_as": "Outcome"}, "total_time": {"display_as": "Run time"},
                 "raw": {}},
      "aggregate": [{"function": "average", "args": ["total_time"]},
                    {"function": "summary", "args": ["outcome"]},
                    {"function": "sum", "args": ["total_time"]},
                    {"function": "summary", "args": ["raw"]}]
    }]})",
                            "demo.json");
  const Action& run = ddl.actions[0];
  std::vector<Json> replies = {{{"outcome", "ok"}, {"total_time", 2}, {"raw", "x"}},
                               {{"outcome", "ok"}, {"total_time", 4}, {"raw", "x"}}};
  EXPECT_EQ(renderSummaries(run, replies),
            "Summary of Run time:\n\n"
            "   Average: 3.000\n"
            "   Sum: 6\n\n"
            "Summary of Outcome:\n\n"
            "   ok: 2\n\n"
            "Summary of raw:\n\n"
            "   x: 2\n\n");
  EXPECT_EQ(outputLabel(run, "total_time"), "Run time");
  EXPECT_EQ(outputLabel(run, "raw"), "raw");
  EXPECT_EQ(outputLabel(run, "undeclared"), "undeclared");
}

}  // namespace
}  // namespace drover::ddl
