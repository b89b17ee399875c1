// Choosing nodes without a filter (node lists from a file or stdin, limits, batches)
// and the read-only commands an operator uses to look at a fleet: inventory, facts,
// plugin doc. Runs against the standard six-node fleet (fleet.hpp).
#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/json.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsSubsetOf;
using ::testing::SizeIs;
using Names = std::vector<std::string>;

class Targeting : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet(standardNodes()); }

  static Names sendersOf(const Result& result) {
    Json doc = Json::parse(result.out);
    Names senders;
    for (const auto& reply : doc.at("replies")) senders.push_back(reply.at("sender"));
    std::sort(senders.begin(), senders.end());
    return senders;
  }
};

TEST_F(Targeting, NodesFileAddressesExactlyThoseAndNamesTheSilentOne) {
  std::string file = (fleet().dir() / "nodes.txt").string();
  {
    std::ofstream out(file);
    out << "# maintenance window 42\nweb-eu-1\n\n  db-us-1  \nghost-9\n";
  }
  Result result = fleet().drover({"ping", "--nodes", file, "--timeout", "2"});
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("2 of 3 nodes answered, 2 ok, 0 failed, 1 no reply")) << result;
  EXPECT_THAT(result.out, HasSubstr("no reply: ghost-9")) << result;
  EXPECT_THAT(result.out, HasSubstr("web-eu-1")) << result;
  EXPECT_THAT(result.out, HasSubstr("db-us-1")) << result;
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("web-eu-2"))) << result;
}

TEST_F(Targeting, NodesFromStdin) {
  Result result =
      fleet().drover({"rpc", "rpcutil", "ping", "--nodes", "-", "--json"}, "web-eu-2\nweb-ap-1\n");
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_EQ(sendersOf(result), (Names{"web-ap-1", "web-eu-2"})) << result;

  Result piped = fleet().drover({"ping", "--nodes", "-", "--timeout", "2"}, "db-eu-1\nnobody\n");
  EXPECT_EQ(piped.exitCode, 1) << piped;
  EXPECT_THAT(piped.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply")) << piped;
  EXPECT_THAT(piped.out, HasSubstr("no reply: nobody")) << piped;
}

TEST_F(Targeting, NodesCannotBeCombinedWithFilters) {
  Result result = fleet().drover({"ping", "--nodes", "-", "-F", "role=web"}, "web-eu-1\n");
  EXPECT_EQ(result.exitCode, 2) << result;
  EXPECT_THAT(result.err, HasSubstr("--nodes")) << result;
}

TEST_F(Targeting, LimitByCountAndShare) {
  Result two = fleet().drover({"find", "--limit", "2"});
  ASSERT_EQ(two.exitCode, 0) << two;
  EXPECT_THAT(sortedLines(two.out), SizeIs(2)) << two;
  EXPECT_THAT(sortedLines(two.out), IsSubsetOf(fleet().identities())) << two;

  Result half = fleet().drover({"rpc", "rpcutil", "ping", "--limit", "50%", "--json"});
  ASSERT_EQ(half.exitCode, 0) << half;
  Names senders = sendersOf(half);
  EXPECT_THAT(senders, SizeIs(3)) << half;
  EXPECT_THAT(senders, IsSubsetOf(fleet().identities())) << half;
  EXPECT_EQ(std::set<std::string>(senders.begin(), senders.end()).size(), 3u) << half;

  Result echo = fleet().drover({"rpc", "echo", "echo", "message=x", "--limit", "1", "--json"});
  ASSERT_EQ(echo.exitCode, 0) << echo;
  EXPECT_THAT(sendersOf(echo), IsSubsetOf(Names{"web-eu-1", "web-eu-2", "web-us-1"})) << echo;
  EXPECT_THAT(sendersOf(echo), SizeIs(1)) << echo;
}

TEST_F(Targeting, PingHonoursLimit) {
  Result result = fleet().drover({"ping", "--limit", "2", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(sendersOf(result), SizeIs(2)) << result;
}

TEST_F(Targeting, BadLimitIsAUsageError) {
  for (const char* limit : {"0", "abc", "150%"}) {
    SCOPED_TRACE(limit);
    Result result = fleet().drover({"find", "--limit", limit});
    EXPECT_EQ(result.exitCode, 2) << result;
    EXPECT_THAT(result.err, HasSubstr(std::string("--limit '") + limit + "'")) << result;
  }
}

TEST_F(Targeting, BatchesReachEveryEchoNode) {
  Result result = fleet().drover(
      {"rpc", "echo", "echo", "message=batched", "--batch", "2", "--batch-sleep", "0", "--json"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_EQ(sendersOf(result), (Names{"web-eu-1", "web-eu-2", "web-us-1"})) << result;
  Json doc = Json::parse(result.out);
  EXPECT_EQ(doc.at("summary").at("asked"), 3);
  EXPECT_EQ(doc.at("summary").at("ok"), 3);
  for (const auto& reply : doc.at("replies")) EXPECT_EQ(reply.at("data").at("message"), "batched");
}

TEST_F(Targeting, InventoryShowsFactsClassesAndAgents) {
  Result result = fleet().drover({"inventory", "web-eu-1"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(result.out, HasSubstr("Inventory for web-eu-1")) << result;
  EXPECT_THAT(result.out, ContainsRegex("\n +echo +1\\.0\\.0")) << result;
  EXPECT_THAT(result.out, ContainsRegex("\n +rpcutil ")) << result;
  EXPECT_THAT(result.out, HasSubstr("role::web")) << result;
  EXPECT_THAT(result.out, HasSubstr("profile::nginx")) << result;
  EXPECT_THAT(result.out, HasSubstr("region => eu-west-1")) << result;
  EXPECT_THAT(result.out, HasSubstr("cpus => 4")) << result;
  EXPECT_THAT(result.out, HasSubstr("\"family\":\"Debian\"")) << result;

  Result db = fleet().drover({"inventory", "db-eu-1"});
  ASSERT_EQ(db.exitCode, 0) << db;
  EXPECT_THAT(db.out, ::testing::Not(ContainsRegex("\n +echo "))) << db;
  EXPECT_THAT(db.out, HasSubstr("maintenance => true")) << db;

  Result ghost = fleet().drover({"inventory", "ghost-9", "--timeout", "1"});
  EXPECT_EQ(ghost.exitCode, 1) << ghost;
  EXPECT_THAT(ghost.err, HasSubstr("ghost-9")) << ghost;
}

TEST_F(Targeting, FactsShowsTheDistribution) {
  Result result = fleet().drover({"facts", "region"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(result.out, ContainsRegex("eu-west-1 +found 3 times")) << result;
  EXPECT_THAT(result.out, ContainsRegex("us-east-1 +found 2 times")) << result;
  EXPECT_THAT(result.out, ContainsRegex("ap-south-1 +found 1 times")) << result;
  EXPECT_THAT(result.out, HasSubstr("6 of 6 nodes answered")) << result;

  Result json = fleet().drover({"facts", "os.family", "-F", "role=db", "--json"});
  ASSERT_EQ(json.exitCode, 0) << json;
  Json byValue = Json::parse(json.out);
  ASSERT_EQ(byValue.size(), 1u) << json;
  Names nodes = byValue.at("RedHat");  // in arrival order
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (Names{"db-eu-1", "db-us-1"})) << json;
}

TEST_F(Targeting, PluginDocShowsInputs) {
  Result result = fleet().drover({"plugin", "doc", "echo"});
  ASSERT_EQ(result.exitCode, 0) << result;
  EXPECT_THAT(result.out, HasSubstr("echo action:")) << result;
  EXPECT_THAT(result.out, HasSubstr("message:")) << result;
  EXPECT_THAT(result.out, HasSubstr("Max Length: 1024")) << result;
  EXPECT_THAT(result.out, HasSubstr("seconds:")) << result;
  EXPECT_THAT(result.out, HasSubstr("Timeout: 2")) << result;

  Result unknown = fleet().drover({"plugin", "doc", "nosuchagent"});
  EXPECT_EQ(unknown.exitCode, 2) << unknown;
  EXPECT_THAT(unknown.err, HasSubstr("nosuchagent")) << unknown;
}

}  // namespace
}  // namespace drover::integration
