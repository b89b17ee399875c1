// Things going away: a node killed in the middle of a call, and the broker restarted
// under a running fleet. Each suite has a fleet of its own, so nothing it breaks can
// affect another suite.
#include <future>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/json.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Names = std::vector<std::string>;

NodeSpec echoNode(const std::string& identity, const std::string& region) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: " + region + "\nrole: web\ncpus: 2\n";
  spec.classes = {"role::web"};
  spec.echo = true;
  return spec;
}

class NodeFailure : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({echoNode("victim", "eu-west-1"), echoNode("bystander", "us-east-1")});
  }
};

TEST_F(NodeFailure, NodeKilledMidCallIsReportedAsNoReply) {
  Node& victim = fleet().node("victim");
  auto call = std::async(std::launch::async, [] {
    return fleet().drover({"rpc", "echo", "sleep", "seconds=1", "-I", "victim", "-I",
                           "bystander", "--timeout", "3"});
  });
  // The call has started once the victim runs the agent program for it.
  bool running = testing::waitFor([&] { return hasChildProcess(victim.pid()); }, 5s);
  victim.kill();
  Result result = call.get();
  ASSERT_TRUE(running) << "the victim never started the action\n" << result << fleet().logs();
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply")) << result;
  EXPECT_THAT(result.out, HasSubstr("no reply: victim")) << result;
  EXPECT_THAT(result.out, Not(HasSubstr("no reply: bystander"))) << result;

  // Restarted, the node is back on the bus under its own name.
  victim.start();
  victim.waitReady(15s);
  Result ping = fleet().drover({"ping", "-I", "victim", "-I", "bystander"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("2 of 2 nodes answered, 2 ok, 0 failed, 0 no reply")) << ping;
}

class BrokerRestart : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({echoNode("node-a", "eu-west-1"), echoNode("node-b", "eu-west-1"),
                echoNode("node-c", "us-east-1"), echoNode("node-d", "ap-south-1")});
  }
};

TEST_F(BrokerRestart, EveryNodeComesBackWithoutBeingRestarted) {
  const Names all = fleet().identities();
  std::vector<pid_t> pids;
  for (const auto& name : all) pids.push_back(fleet().node(name).pid());
  ASSERT_EQ(fleet().drover({"ping"}).exitCode, 0);

  EXPECT_EQ(fleet().stopBroker(), 0) << fleet().logs();
  Result down = fleet().drover({"ping", "--timeout", "1"});
  EXPECT_EQ(down.exitCode, 3) << down;
  fleet().startBroker();

  Result last;
  bool back = testing::waitFor(
      [&] {
        last = fleet().drover({"ping", "--json"});
        if (last.exitCode != 0) return false;
        return Json::parse(last.out).at("summary").at("answered") == all.size();
      },
      10s);
  EXPECT_TRUE(back) << "not every node answered within 10 s of the restart\n"
                    << last << fleet().logs();
  for (std::size_t i = 0; i < all.size(); ++i) {
    Node& node = fleet().node(all[i]);
    EXPECT_TRUE(node.running()) << all[i];
    EXPECT_EQ(node.pid(), pids[i]) << all[i] << " was restarted";
  }
  Result echo = fleet().drover({"rpc", "echo", "echo", "message=after-restart"});
  EXPECT_EQ(echo.exitCode, 0) << echo;
  EXPECT_THAT(echo.out, HasSubstr("4 of 4 nodes answered, 4 ok")) << echo;
}

}  // namespace
}  // namespace drover::integration
