// The filter flags against real nodes: a key=value after -I, -F, -C, -A or -S reaches
// the node as an input of the action (`drover rpc runner runonce -I web-1 noop=true`
// runs in noop mode), a -F on an input is refused but fact(NAME) filters on a fact of
// that name, ordering comparisons with numbers in other notations are refused before
// anything is sent, and aggregates are shown under their outputs' names.
//
// Three nodes: web-1 (cpus 4, and a fact named noop), web-2 (cpus 16), both hosting the
// test agent `runner`, which reports the inputs it was given; db-1 (cpus 32) without it.
// tests/cli/filter_flags_test.cpp checks the same flags without a broker.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/json.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

constexpr const char* kRunner = R"(#!/usr/bin/env python3
import json, sys
args = json.load(sys.stdin).get("args") or {}
noop = args.get("noop") is True
json.dump({"data": {"outcome": "noop" if noop else "applied", "noop": noop,
                    "environment": args.get("environment")}}, sys.stdout)
)";

constexpr const char* kRunnerDdl = R"({
  "metadata": {"name": "runner", "description": "Reports the inputs it was given",
               "author": "Drover tests", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.org/drover", "timeout": 5},
  "actions": [{
    "action": "runonce", "description": "Pretend to run once", "display": "always",
    "input": {
      "noop": {"prompt": "Noop", "description": "Only report what would change",
               "type": "boolean", "optional": true, "default": false},
      "environment": {"prompt": "Environment", "description": "Environment to run",
                      "type": "string", "validation": "^\\w+$", "maxlength": 64,
                      "optional": true, "default": "production"}},
    "output": {
      "outcome": {"description": "What the run did", "display_as": "Outcome", "default": ""},
      "noop": {"description": "Whether it ran in noop mode", "display_as": "Noop mode",
               "default": false},
      "environment": {"description": "Environment it ran", "display_as": "Environment",
                      "default": ""}},
    "aggregate": [{"function": "summary", "args": ["outcome"]},
                  {"function": "boolean_summary", "args": ["noop"]}]
  }]
})";

constexpr const char* kRunnerPolicy = R"(default: deny
rules:
  - allow:
      callers: "*"
      roles: [admin]
      actions: "*"
)";

NodeSpec node(const std::string& identity, const std::string& facts, bool runner) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = facts;
  spec.classes = {identity.starts_with("web") ? "role::web" : "role::db"};
  if (runner) {
    spec.agentFiles = {{"runner", kRunner}, {"runner.json", kRunnerDdl}};
    spec.policies = {{"runner", kRunnerPolicy}};
  }
  return spec;
}

class FilterFlags : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({node("web-1", "role: web\ncpus: 4\nnoop: true\n", true),
                node("web-2", "role: web\ncpus: 16\n", true),
                node("db-1", "role: db\ncpus: 32\n", false)});
  }

  // drover with the runner's DDL beside the shipped ones.
  static Result drover(Names args) {
    static const testing::TempDir ddls;
    static const auto written = ddls.write("runner.json", kRunnerDdl);
    args.insert(args.begin(), {"--ddl-dirs", ddlDir().string() + "," + ddls.path().string()});
    return fleet().drover(args);
  }

  static Names sendersOf(const Json& doc) {
    Names senders;
    for (const auto& reply : doc.at("replies")) senders.push_back(reply.at("sender"));
    std::sort(senders.begin(), senders.end());
    return senders;
  }
};

TEST_F(FilterFlags, NoopAfterAnIdentityReachesTheNodeAsAnInput) {
  Result result = drover({"rpc", "runner", "runonce", "-I", "web-1", "noop=true"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(result.out, ContainsRegex("web-1 +ok\n +Outcome: noop\n +Noop mode: true\n"))
      << result;
  EXPECT_THAT(result.out, HasSubstr("1 of 1 nodes answered, 1 ok")) << result;
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("noop=true"))) << result;  // no such node
}

TEST_F(FilterFlags, EveryFilterFlagLeavesKeyValuesToTheAction) {
  struct Case {
    Names flag;
    Names nodes;
  };
  const std::vector<Case> cases = {
      {{"-I", "web-2"}, {"web-2"}},
      {{"-F", "role=web"}, {"web-1", "web-2"}},
      {{"-C", "role::web"}, {"web-1", "web-2"}},
      {{"-A", "runner"}, {"web-1", "web-2"}},
      {{"-S", "role=web and cpus>=8"}, {"web-2"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.flag));
    Names args{"rpc", "runner", "runonce"};
    args.insert(args.end(), c.flag.begin(), c.flag.end());
    args.insert(args.end(), {"noop=true", "environment=staging", "--json"});
    Result result = drover(args);
    ASSERT_EQ(result.exitCode, 0) << result;
    const Json doc = Json::parse(result.out);
    EXPECT_EQ(sendersOf(doc), c.nodes) << result;
    for (const auto& reply : doc.at("replies")) {
      EXPECT_EQ(reply.at("data"),
                (Json{{"outcome", "noop"}, {"noop", true}, {"environment", "staging"}}))
          << result;
    }
  }
}

// An mco user's spellings select what they select in MCollective: the same nodes as
// Drover's own spelling of each.
TEST_F(FilterFlags, McollectiveSpellingsSelectAsInMcollective) {
  struct Case {
    Names mco;
    Names drover;
    Names nodes;
  };
  const std::vector<Case> cases = {
      {{"-F", "role=/^w/"}, {"-F", "role=~/^w/"}, {"web-1", "web-2"}},
      {{"-F", "cpus=>16"}, {"-F", "cpus>=16"}, {"db-1", "web-2"}},
      {{"-F", "cpus=<16"}, {"-F", "cpus<=16"}, {"web-1", "web-2"}},
      {{"-S", "cpus=>8 and role=/^d/"}, {"-S", "cpus>=8 and role=~/^d/"}, {"db-1"}},
      {{"-W", "role=web role::web"}, {"-F", "role=web", "-C", "role::web"}, {"web-1", "web-2"}},
      {{"-W", "cpus=>16 /db/"}, {"-F", "cpus>=16", "-C", "/db/"}, {"db-1"}},
      {{"--with", "role::db"}, {"-C", "role::db"}, {"db-1"}},
      {{"-W", "role=web", "-W", "cpus=<4"}, {"-F", "role=web", "-F", "cpus<=4"}, {"web-1"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.mco));
    auto find = [](Names flags) {
      flags.insert(flags.begin(), {"find", "--dt", "5", "--np"});
      return drover(flags);
    };
    Result mco = find(c.mco);
    Result ours = find(c.drover);
    ASSERT_EQ(mco.exitCode, 0) << mco;
    EXPECT_EQ(mco.out, ours.out) << mco << ours;
    Names found;
    std::istringstream lines(mco.out);
    for (std::string line; std::getline(lines, line);) found.push_back(line);
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, c.nodes) << mco;
  }
}

TEST_F(FilterFlags, MistakesAreRefusedBeforeAnythingIsSent) {
  BusListener requests(fleet().endpoints(), {bus::broadcastTopic("drover", "rpcutil"),
                                             bus::broadcastTopic("drover", "runner")});
  struct Case {
    Names args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"rpc", "runner", "runonce", "-F", "noop=true"},
       "-F 'noop=true' at column 1: 'noop' is an input of runner#runonce"},
      {{"rpc", "runner", "runonce", "-S", "role=web and environment=prod"}, "fact(environment)"},
      {{"find", "-F", "cpus>=010"}, "write cpus>=10 to compare numbers"},
      {{"ping", "-S", "cpus < 0x20"}, "write cpus<32 to compare numbers"},
      {{"find", "-I", "noop=true"}, "-I 'noop=true' at column 5: identities cannot contain '='"},
      {{"find", "-F", "role!=/(web|db)/"}, "the regex '/(web|db)/' needs the '=~' operator"},
      {{"ping", "-I", "web-1", "noop=true"}, "not expected: noop=true"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    Result result = drover(c.args);
    EXPECT_EQ(result.exitCode, 2) << result;
    EXPECT_THAT(result.err, HasSubstr(c.message)) << result;
  }
  Result marker = drover({"find", "-F", "role=db"});
  ASSERT_EQ(marker.exitCode, 0) << marker;
  auto first = requests.next(5s);
  ASSERT_TRUE(first.has_value()) << "the marker discovery never reached the broker";
  EXPECT_EQ(first->filter, "role == db") << "a refused call reached the bus";
}

TEST_F(FilterFlags, FactCallFiltersOnAFactNamedLikeAnInput) {
  Result result =
      drover({"rpc", "runner", "runonce", "-F", "fact(noop)=true", "noop=false", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result;
  const Json doc = Json::parse(result.out);
  EXPECT_EQ(sendersOf(doc), Names{"web-1"}) << result;
  EXPECT_EQ(doc.at("replies").at(0).at("data").at("noop"), false) << result;
}

TEST_F(FilterFlags, NumbersCompareAsNumbersAndQuotedOnesAsText) {
  Result numeric = drover({"find", "-F", "cpus>=10"});
  ASSERT_EQ(numeric.exitCode, 0) << numeric;
  EXPECT_EQ(sortedLines(numeric.out), (Names{"db-1", "web-2"})) << numeric;
  Result text = drover({"find", "-F", "cpus>=\"010\""});  // "4" >= "010" as text
  ASSERT_EQ(text.exitCode, 0) << text;
  EXPECT_EQ(sortedLines(text.out), (Names{"db-1", "web-1", "web-2"})) << text;
}

TEST_F(FilterFlags, EachOutputIsSummarisedUnderItsDisplayName) {
  Result result = drover({"rpc", "runner", "runonce", "-A", "runner", "noop=true"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(result.out, HasSubstr("\nSummary of Outcome:\n\n   noop: 2\n\n"
                                    "Summary of Noop mode:\n\n   true: 2\n"))
      << result;

  Result json = drover({"rpc", "runner", "runonce", "-A", "runner", "--json"});
  ASSERT_EQ(json.exitCode, 0) << json;
  const Json aggregates = Json::parse(json.out).at("aggregates");
  ASSERT_EQ(aggregates.size(), 2u) << json;
  EXPECT_EQ(aggregates[0].at("output"), "outcome");
  EXPECT_EQ(aggregates[0].at("display_as"), "Outcome");
  EXPECT_EQ(aggregates[0].at("items"), (Json::parse(R"([{"value": "applied", "count": 2}])")));
  EXPECT_EQ(aggregates[1].at("output"), "noop");
  EXPECT_EQ(aggregates[1].at("display_as"), "Noop mode");
  EXPECT_EQ(aggregates[1].at("false"), 2);
}

}  // namespace
}  // namespace drover::integration
