// Aggregate functions over sample replies, and their text.
#include "core/ddl/aggregate.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace drover::ddl {
namespace {

Aggregate make(std::string function, std::string output, Json args = Json::object()) {
  return Aggregate{std::move(function), std::move(output), std::move(args)};
}

const std::vector<Json> kReplies = {
    {{"version", "1.2.0"}, {"enabled", true}, {"time", 2}, {"agents", {"rpcutil", "puppet"}}},
    {{"version", "1.3.0"}, {"enabled", false}, {"time", 4.5}, {"agents", {"rpcutil"}}},
    {{"version", "1.2.0"}, {"enabled", true}, {"time", "1.5"}, {"agents", Json::array()}},
    {{"version", nullptr}, {"enabled", "true"}, {"time", "slow"}},
    {{"other", 1}},
    "not an object",
};

TEST(DdlAggregate, SummaryCountsDistinctValuesMostFrequentFirst) {
  Json result = computeAggregate(make("summary", "version"), kReplies);
  EXPECT_EQ(result["function"], "summary");
  EXPECT_EQ(result["output"], "version");
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "1.2.0", "count": 2},
                                             {"value": "1.3.0", "count": 1}])"));
  EXPECT_EQ(formatAggregate(make("summary", "version"), result), "1.2.0: 2\n1.3.0: 1\n");
}

TEST(DdlAggregate, SummaryCountsEachListElement) {
  Json result = computeAggregate(make("summary", "agents"), kReplies);
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "rpcutil", "count": 2},
                                             {"value": "puppet", "count": 1}])"));
  EXPECT_EQ(formatAggregate(make("summary", "agents"), result), "rpcutil: 2\n puppet: 1\n");
}

TEST(DdlAggregate, SummaryOfNonStringsAndRelabelling) {
  Aggregate agg = make("summary", "enabled", {{"true", "on"}, {"format", "ignored key"}});
  Json result = computeAggregate(agg, kReplies);
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "on", "count": 3},
                                             {"value": "false", "count": 1}])"));
}

TEST(DdlAggregate, SummaryHonoursFormat) {
  Aggregate agg = make("summary", "version", {{"format", "%s on %d node(s)"}});
  EXPECT_EQ(formatAggregate(agg, computeAggregate(agg, kReplies)),
            "1.2.0 on 2 node(s)\n1.3.0 on 1 node(s)\n");
}

TEST(DdlAggregate, BooleanSummaryWithLabels) {
  Aggregate agg = make("boolean_summary", "enabled", {{"true", "enabled"}, {"false", "disabled"}});
  Json result = computeAggregate(agg, kReplies);
  EXPECT_EQ(result["true"], 3);
  EXPECT_EQ(result["false"], 1);
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "enabled", "count": 3},
                                             {"value": "disabled", "count": 1}])"));
  EXPECT_EQ(formatAggregate(agg, result), " enabled: 3\ndisabled: 1\n");
}

TEST(DdlAggregate, BooleanSummaryWithoutLabels) {
  Aggregate agg = make("boolean_summary", "enabled");
  EXPECT_EQ(formatAggregate(agg, computeAggregate(agg, kReplies)), " true: 3\nfalse: 1\n");
}

TEST(DdlAggregate, AverageOfNumbersAndNumericStrings) {
  Json result = computeAggregate(make("average", "time"), kReplies);
  EXPECT_EQ(result["count"], 3);
  EXPECT_DOUBLE_EQ(result["value"].get<double>(), 8.0 / 3);
  EXPECT_EQ(formatAggregate(make("average", "time"), result), "Average: 2.667\n");
  Aggregate formatted = make("average", "time", {{"format", "Average: %0.2f"}});
  EXPECT_EQ(formatAggregate(formatted, result), "Average: 2.67\n");
  Aggregate integer = make("average", "time", {{"format", "Average: %d"}});
  EXPECT_EQ(formatAggregate(integer, result), "Average: 3\n");
}

TEST(DdlAggregate, AverageWithoutValues) {
  Json result = computeAggregate(make("average", "missing"), kReplies);
  EXPECT_TRUE(result["value"].is_null());
  EXPECT_EQ(result["count"], 0);
  EXPECT_EQ(formatAggregate(make("average", "missing"), result), "Average: no numeric values\n");
}

TEST(DdlAggregate, SumStaysIntegerWhileItCan) {
  std::vector<Json> replies = {{{"n", 2}}, {{"n", "40"}}, {{"n", 0}}};
  Json result = computeAggregate(make("sum", "n"), replies);
  EXPECT_EQ(result["value"], 42);
  EXPECT_TRUE(result["value"].is_number_integer());
  EXPECT_EQ(formatAggregate(make("sum", "n"), result), "Sum: 42\n");
  Json real = computeAggregate(make("sum", "time"), kReplies);
  EXPECT_DOUBLE_EQ(real["value"].get<double>(), 8.0);
  EXPECT_EQ(formatAggregate(make("sum", "time"), real), "Sum: 8.000\n");
  Aggregate formatted = make("sum", "n", {{"format", "Total: %d messages"}});
  EXPECT_EQ(formatAggregate(formatted, result), "Total: 42 messages\n");
}

TEST(DdlAggregate, SumFallsBackToFloatOnOverflow) {
  std::vector<Json> replies = {{{"n", INT64_MAX}}, {{"n", 1}}};
  Json result = computeAggregate(make("sum", "n"), replies);
  EXPECT_TRUE(result["value"].is_number_float());
  EXPECT_DOUBLE_EQ(result["value"].get<double>(), 9223372036854775808.0);
}

TEST(DdlAggregate, UnknownFunctionReportsItself) {
  Aggregate agg = make("nettest_mma", "time");
  Json result = computeAggregate(agg, kReplies);
  EXPECT_EQ(result["error"], "unsupported aggregate function 'nettest_mma'");
  EXPECT_EQ(formatAggregate(agg, result), "unsupported aggregate function 'nettest_mma'\n");
  EXPECT_FALSE(isKnownAggregateFunction("nettest_mma"));
  EXPECT_TRUE(isKnownAggregateFunction("boolean_summary"));
  EXPECT_TRUE(isKnownAggregateFunction("chart"));
}

TEST(DdlAggregate, ChartCountsTheNumbersInValueOrder) {
  std::vector<Json> replies = kReplies;
  replies.push_back({{"time", 10}});
  replies.push_back({{"time", "2"}});  // a numeric string counts with the number
  Aggregate agg = make("chart", "time", {{"format", "%s"}});
  Json result = computeAggregate(agg, replies);
  EXPECT_EQ(result["function"], "chart");
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "1.5", "count": 1},
      {"value": "2", "count": 2}, {"value": "4.5", "count": 1}, {"value": "10", "count": 1}])"));
  // Shown as a summary; Choria's format wraps its graph, so it is not applied to lines.
  EXPECT_EQ(formatAggregate(agg, result), "1.5: 1\n  2: 2\n4.5: 1\n 10: 1\n");
}

TEST(DdlAggregate, ChartSkipsWhatIsNotAFiniteNumber) {
  std::vector<Json> replies = {
      {{"v", "slow"}}, {{"v", true}}, {{"v", Json::array({1})}}, {{"v", std::nan("")}}, {{"v", 3}}};
  Json result = computeAggregate(make("chart", "v"), replies);
  EXPECT_EQ(result["items"], Json::parse(R"([{"value": "3", "count": 1}])"));
}

TEST(DdlAggregate, NoRepliesNoLines) {
  Json result = computeAggregate(make("summary", "version"), {});
  EXPECT_EQ(result["items"], Json::array());
  EXPECT_EQ(formatAggregate(make("summary", "version"), result), "");
}

}  // namespace
}  // namespace drover::ddl
