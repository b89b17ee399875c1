// Ping and discovery against the standard six-node fleet (fleet.hpp): every filter
// kind of DESIGN.md "Discovery and RPC", checked by the exact set of identities that
// `drover find` prints, and invalid filters rejected before anything is sent.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/json.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

class Discovery : public BusFleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet(standardNodes()); }
  static void TearDownTestSuite() {
    registry_.reset();
    registryFleet_ = nullptr;
    BusFleetSuite::TearDownTestSuite();
  }

  // Beside the fleet, a provisioner whose registry lists every node: each filter is
  // checked on both discovery paths (--dm broadcast, --dm registry) of the same fleet.
  void SetUp() override {
    BusFleetSuite::SetUp();
    if (HasFatalFailure() || registryFleet_ == &fleet()) return;
    registry_.reset();
    registryFleet_ = &fleet();
    try {
      registry_ = std::make_unique<Provisioner>(fleet(), "registry.provisioner");
      registry_->start();
    } catch (const std::exception& e) {
      registry_.reset();
      GTEST_FAIL() << e.what();
    }
    bool listed = testing::waitFor(
        [] {
          return sortedLines(fleet().drover({"find", "--dm", "registry"}).out) ==
                 fleet().identities();
        },
        20s);
    ASSERT_TRUE(listed) << "the registry never listed the fleet\n" << registry_->log();
  }

  // Runs `drover find FLAGS...` with each discovery method and expects exactly `expected`
  // of both (exit 4 when empty).
  static void expectFind(const Names& flags, Names expected) {
    std::sort(expected.begin(), expected.end());
    for (const char* method : {"broadcast", "registry"}) {
      SCOPED_TRACE("drover find --dm " + std::string(method) + " " +
                   ::testing::PrintToString(flags));
      Names args{"find", "--dm", method};
      args.insert(args.end(), flags.begin(), flags.end());
      Result result = fleet().drover(args);
      EXPECT_EQ(result.exitCode, expected.empty() ? 4 : 0) << result;
      EXPECT_THAT(sortedLines(result.out), ElementsAreArray(expected)) << result;
    }
  }

  static inline std::unique_ptr<Provisioner> registry_;
  static inline const Fleet* registryFleet_ = nullptr;
};

TEST_P(Discovery, PingReachesEveryNodeAndSummarises) {
  Result result = fleet().drover({"ping"});
  ASSERT_EQ(result.exitCode, 0) << result;
  for (const auto& node : fleet().identities()) {
    EXPECT_THAT(result.out, HasSubstr(node + " ")) << result;
  }
  EXPECT_THAT(result.out, HasSubstr("6 of 6 nodes answered, 6 ok, 0 failed, 0 no reply")) << result;
}

TEST_P(Discovery, PingJsonListsEverySender) {
  Result result = fleet().drover({"ping", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result;
  Json doc = Json::parse(result.out);
  Names senders;
  for (const auto& reply : doc.at("replies")) {
    senders.push_back(reply.at("sender").get<std::string>());
    EXPECT_EQ(reply.at("statuscode"), 0) << reply.dump();
  }
  std::sort(senders.begin(), senders.end());
  EXPECT_EQ(senders, fleet().identities());
  EXPECT_EQ(doc.at("summary").at("answered"), 6);
  EXPECT_EQ(doc.at("summary").at("ok"), 6);
  EXPECT_EQ(doc.at("summary").at("failed"), 0);
  EXPECT_TRUE(doc.at("summary").at("no_reply").empty());
}

TEST_P(Discovery, FactEqualityAndInequality) {
  expectFind(Names{"-F", "region==eu-west-1"}, {"web-eu-1", "web-eu-2", "db-eu-1"});
  expectFind(Names{"-F", "region=eu-west-1"}, {"web-eu-1", "web-eu-2", "db-eu-1"});
  expectFind(Names{"-F", "region!=eu-west-1"}, {"web-us-1", "db-us-1", "web-ap-1"});
  expectFind(Names{"-F", "cpus==16.0"}, {"web-eu-2"});  // numeric when both are numbers
  expectFind(Names{"-F", "cpus==016"}, {});             // 016 is text, not 16
}

TEST_P(Discovery, OrderingIsNumericForNumbers) {
  // As text "16" < "4"; numerically it is not.
  expectFind(Names{"-F", "cpus<8"}, {"web-eu-1", "db-us-1"});
  expectFind(Names{"-F", "cpus>8"}, {"web-eu-2", "db-eu-1", "web-ap-1"});
  expectFind(Names{"-F", "cpus<=8"}, {"web-eu-1", "db-us-1", "web-us-1"});
  expectFind(Names{"-F", "cpus>=16"}, {"web-eu-2", "db-eu-1"});
}

TEST_P(Discovery, OrderingIsTextualForStrings) {
  // kernel_version is a string fact: "5.10" sorts before "5.9".
  expectFind(Names{"-F", "kernel_version>=5.9"}, {"web-eu-2", "web-us-1", "web-ap-1"});
  expectFind(Names{"-F", "kernel_version<5"}, {"db-eu-1", "db-us-1"});
}

TEST_P(Discovery, RegexMatchesTheTextForm) {
  expectFind(Names{"-F", "region=~/^us-/"}, {"web-us-1", "db-us-1"});
  expectFind(Names{"-F", "region=~south"}, {"web-ap-1"});
  expectFind(Names{"-F", "cpus=~^1"}, {"web-eu-2", "web-ap-1"});  // numbers as decimal text
}

TEST_P(Discovery, DottedNamesReachNestedFacts) {
  expectFind(Names{"-F", "os.family=Debian"}, {"web-eu-1", "web-eu-2", "web-us-1"});
  expectFind(Names{"-F", "os.family=~/^(Red|Alp)/"}, {"db-eu-1", "db-us-1", "web-ap-1"});
  expectFind(Names{"-F", "os.release==12"},
             {"web-eu-1", "web-eu-2", "db-eu-1", "web-us-1", "db-us-1", "web-ap-1"});
}

TEST_P(Discovery, BooleanFacts) {
  expectFind(Names{"-F", "virtual=true"}, {"web-eu-1", "web-us-1", "db-us-1", "web-ap-1"});
  expectFind(Names{"-F", "virtual=FALSE"}, {"web-eu-2", "db-eu-1"});
}

TEST_P(Discovery, MissingFactIsFalseAndItsNegationTrue) {
  expectFind(Names{"-F", "maintenance=true"}, {"db-eu-1"});
  expectFind(Names{"-F", "rack=a1"}, {});
  expectFind(Names{"-F", "rack!=a1"}, {});
  expectFind(Names{"-S", "not rack=a1"},
             {"web-eu-1", "web-eu-2", "db-eu-1", "web-us-1", "db-us-1", "web-ap-1"});
  expectFind(Names{"-S", "not maintenance=true"},
             {"web-eu-1", "web-eu-2", "web-us-1", "db-us-1", "web-ap-1"});
}

TEST_P(Discovery, ClassesExactAndRegex) {
  expectFind(Names{"-C", "role::db"}, {"db-eu-1", "db-us-1"});
  expectFind(Names{"-C", "profile::ngin"}, {});  // exact, not a prefix
  expectFind(Names{"-C", "/^profile::ngin/"}, {"web-eu-1", "web-eu-2", "web-us-1"});
}

TEST_P(Discovery, AgentFilterFindsOnlyNodesHostingIt) {
  expectFind(Names{"-A", "echo"}, {"web-eu-1", "web-eu-2", "web-us-1"});
  expectFind(Names{"-A", "rpcutil"},
             {"web-eu-1", "web-eu-2", "db-eu-1", "web-us-1", "db-us-1", "web-ap-1"});
  // puppetca loads only on Puppet masters, and this fleet has none.
  expectFind(Names{"-A", "puppetca"}, {});
}

TEST_P(Discovery, IdentityRegexDiscovers) {
  expectFind(Names{"-I", "/^db-/"}, {"db-eu-1", "db-us-1"});
  expectFind(Names{"-I", "/-1$/", "-F", "role=web"}, {"web-eu-1", "web-us-1", "web-ap-1"});
}

// An exact -I value may be a node's service name or alias, so one discovery finds the
// identity behind it; it ends the moment every value is claimed, not after the quiet
// window: with a 60 s window (first reply: 240 s) the ping would be killed otherwise.
TEST_P(Discovery, ExactIdentityIsResolvedByOneDiscoveryThatEndsWhenClaimed) {
  BusListener requests(fleet().endpoints(), {bus::broadcastTopic("drover", "rpcutil"),
                                             bus::nodeTopic("drover", "web-ap-1")});
  Result ping =
      fleet().drover({"ping", "-I", "web-ap-1", "--discovery-quiet", "60000", "--timeout", "3600"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("1 of 1 nodes answered, 1 ok, 0 failed, 0 no reply")) << ping;
  EXPECT_THAT(ping.out, HasSubstr("web-ap-1")) << ping;

  auto resolution = requests.next(5s);
  ASSERT_TRUE(resolution.has_value()) << "the resolving discovery never reached the broker";
  EXPECT_EQ(resolution->filter, "identity(web-ap-1)");
  EXPECT_TRUE(resolution->targets.empty());
  // Then the call itself, bound to the identity found; no filter that a rename could fail.
  auto call = requests.next(5s);
  ASSERT_TRUE(call.has_value()) << "the ping never reached web-ap-1";
  EXPECT_EQ(call->targets, Names{"web-ap-1"});
  EXPECT_EQ(call->filter, "");
  // Nothing more: the marker broadcast sent now is the next request.
  Result marker = fleet().drover({"find", "-F", "role=db"});
  ASSERT_EQ(marker.exitCode, 0) << marker;
  auto next = requests.next(5s);
  ASSERT_TRUE(next.has_value()) << "the marker discovery never reached the broker";
  EXPECT_EQ(next->filter, "role == db");
}

TEST_P(Discovery, SeveralExactIdentitiesEndTheDiscoveryOnceAllAreClaimed) {
  Result ping = fleet().drover({"ping", "-I", "web-ap-1", "-I", "db-eu-1", "--discovery-quiet",
                                "60000", "--timeout", "3600"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("2 of 2 nodes answered, 2 ok, 0 failed, 0 no reply")) << ping;
}

TEST_P(Discovery, AnUnclaimedIdentityIsCalledAsGivenAndReportedSilent) {
  Result ping = fleet().drover({"ping", "-I", "web-ap-1", "-I", "ghost", "--timeout", "2"});
  EXPECT_EQ(ping.exitCode, 1) << ping;
  EXPECT_THAT(ping.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply")) << ping;
  EXPECT_THAT(ping.out, HasSubstr("no reply: ghost")) << ping;
  EXPECT_EQ(ping.err, "") << ping;

  Result find = fleet().drover({"find", "-I", "ghost", "-I", "db-us-1"});
  EXPECT_EQ(find.exitCode, 0) << find;
  EXPECT_EQ(sortedLines(find.out), (Names{"db-us-1", "ghost"})) << find;
}

TEST_P(Discovery, CompoundExpressions) {
  expectFind(Names{"-S", "region=eu-west-1 and (role=web or role=db) and not maintenance=true"},
             {"web-eu-1", "web-eu-2"});
  expectFind(Names{"-S", "(region=us-east-1 or region=ap-south-1) and not class(role::db)"},
             {"web-us-1", "web-ap-1"});
  // `and` binds tighter than `or`.
  expectFind(Names{"-S", "role=db or cpus>=12 and virtual=true"},
             {"db-eu-1", "db-us-1", "web-ap-1"});
  expectFind(Names{"-S", "(role=db or cpus>=12) and virtual=true"}, {"db-us-1", "web-ap-1"});
  expectFind(Names{"-S", "agent(echo) && !identity(/eu/)"}, {"web-us-1"});
}

TEST_P(Discovery, SeveralFlagsAreAnded) {
  expectFind(Names{"-F", "role=web", "-F", "region=eu-west-1", "-C", "profile::nginx"},
             {"web-eu-1", "web-eu-2"});
  expectFind(Names{"-A", "echo", "-F", "cpus>4"}, {"web-eu-2", "web-us-1"});
}

TEST_P(Discovery, InvalidFilterIsRejectedBeforeAnythingIsSent) {
  BusListener requests(fleet().endpoints(), {bus::broadcastTopic("drover", "rpcutil"),
                                             bus::broadcastTopic("drover", "echo")});
  struct Case {
    Names args;
    std::string quoted;  // how the message names the input
  };
  const std::vector<Case> cases = {
      {{"find", "-F", "region"}, "-F 'region'"},
      {{"ping", "-F", "cpus>=/4/"}, "-F 'cpus>=/4/'"},
      {{"find", "-F", "region=~/[a-/"}, "-F 'region=~/[a-/'"},
      {{"find", "-S", "region=eu-west-1 and (role=web"}, "-S 'region=eu-west-1 and (role=web'"},
      {{"find", "-S", "role=web and"}, "-S 'role=web and'"},
      {{"rpc", "echo", "echo", "message=hi", "-C", "/(/"}, "-C '/(/'"},
      {{"ping", "-I", "/[/"}, "-I '/[/'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    Result result = fleet().drover(c.args);
    EXPECT_EQ(result.exitCode, 2) << result;
    EXPECT_THAT(result.err, HasSubstr(c.quoted)) << result;
    EXPECT_THAT(result.err, HasSubstr("column")) << result;
    EXPECT_EQ(result.out, "") << result;
  }
  // A valid request sent afterwards is the first thing the broker forwards.
  Result marker = fleet().drover({"find", "-F", "role=web"});
  ASSERT_EQ(marker.exitCode, 0) << marker;
  auto first = requests.next(5s);
  ASSERT_TRUE(first.has_value()) << "the marker discovery never reached the broker";
  EXPECT_EQ(first->filter, "role == web");
}

DROVER_ON_EVERY_BUS(Discovery);

}  // namespace
}  // namespace drover::integration
