// `-I NAME` against a real droverd whose naming agent holds a name (agents/naming): one
// discovery finds the identity behind a service name or alias, the call goes to that
// identity, and a value naming no node is still reported silent.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/json.hpp"
#include "testing/process.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

class NameResolution : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    root_.emplace();
    NodeSpec named;
    named.identity = "i-0a1b2c";
    named.extraArgs = {"--root",
                       root_->path().string(),
                       "--naming-service",
                       "db",
                       "--naming-type",
                       "masterful",
                       "--naming-set-hostname",
                       "false"};
    NodeSpec plain;
    plain.identity = "web-1";
    startFleet({named, plain});
  }
  static void TearDownTestSuite() {
    FleetSuite::TearDownTestSuite();
    root_.reset();
  }

  void SetUp() override {
    FleetSuite::SetUp();
    if (named_) return;
    BusListener registrations(fleet().endpoints(), {bus::registrationTopic("drover")});
    Result set = fleet().drover({"rpc", "naming", "set_name", "name=db-master", "fqdn=db-master",
                                 R"(aliases=["mongo"])", "-I", "i-0a1b2c"});
    ASSERT_EQ(set.exitCode, 0) << set;
    // The node registers again once it holds the name: from then on its pong lists it.
    auto renamed = registrations.next(10s, [](const envelope::Envelope& env) {
      return env.sender == "i-0a1b2c" &&
             env.data.value("naming", Json::object()).value("name", "") == "db-master";
    });
    ASSERT_TRUE(renamed.has_value()) << fleet().logs();
    named_ = true;
  }

  static Names sendersOf(const Result& result) {
    Json doc = Json::parse(result.out);
    Names senders;
    for (const auto& reply : doc.at("replies")) senders.push_back(reply.at("sender"));
    std::sort(senders.begin(), senders.end());
    return senders;
  }

  static inline std::optional<testing::TempDir> root_;
  static inline bool named_ = false;
};

// A 60 s quiet window (240 s before the first reply) would get drover killed: the
// discovery ends because the name was claimed.
TEST_F(NameResolution, AServiceNameIsCalledAtItsNodesIdentityInOneRound) {
  Result ping = fleet().drover(
      {"ping", "-I", "db-master", "--discovery-quiet", "60000", "--timeout", "3600"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("1 of 1 nodes answered, 1 ok, 0 failed, 0 no reply")) << ping;
  EXPECT_THAT(ping.out, HasSubstr("i-0a1b2c")) << ping;
  EXPECT_EQ(ping.err, "") << ping;
}

TEST_F(NameResolution, NameAliasAndIdentityOfOneNodeCallItOnce) {
  Result rpc = fleet().drover({"rpc", "rpcutil", "ping", "-I", "mongo", "-I", "db-master", "-I",
                               "i-0a1b2c", "-I", "web-1", "--json"});
  ASSERT_EQ(rpc.exitCode, 0) << rpc;
  EXPECT_EQ(sendersOf(rpc), (Names{"i-0a1b2c", "web-1"})) << rpc;
}

TEST_F(NameResolution, ANameNoNodeHoldsIsReportedSilent) {
  Result ping = fleet().drover({"ping", "-I", "db-slave-1", "-I", "db-master", "--timeout", "2"});
  EXPECT_EQ(ping.exitCode, 1) << ping;
  EXPECT_THAT(ping.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply")) << ping;
  EXPECT_THAT(ping.out, HasSubstr("no reply: db-slave-1")) << ping;
}

}  // namespace
}  // namespace drover::integration
