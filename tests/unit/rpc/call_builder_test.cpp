// rpc::request / CallBuilder: every field reaches the spec, and the TTL always follows
// the one rule (ttlCovering): the wait plus 30 s, at least the floor, at most 3600 s.
#include "core/rpc/call_builder.hpp"

#include <gtest/gtest.h>

namespace drover::rpc {
namespace {

using namespace std::chrono_literals;

TEST(CallBuilder, DefaultsToABroadcastToNodesWithTheDefaultTtl) {
  CallSpec spec = request("rpcutil", "ping").build();
  EXPECT_EQ(spec.agent, "rpcutil");
  EXPECT_EQ(spec.action, "ping");
  EXPECT_EQ(spec.args, Json::object());
  EXPECT_EQ(spec.filter, "");
  EXPECT_FALSE(spec.nodes.has_value());
  EXPECT_EQ(spec.timeout, 10000ms);
  EXPECT_EQ(spec.quiet, 150ms);
  EXPECT_EQ(spec.ttl, 60u);
  EXPECT_FALSE(spec.acceptUnsigned);
  EXPECT_EQ(spec.replier, security::Role::Node);
}

TEST(CallBuilder, CarriesEveryField) {
  CallSpec spec = request("provisioner", "status")
                      .args({{"node", "web1"}})
                      .filter("role=web")
                      .nodes(std::vector<std::string>{"p1", "p2"})
                      .timeout(5s)
                      .quiet(300ms)
                      .replier(security::Role::Provisioner)
                      .acceptUnsigned()
                      .build();
  EXPECT_EQ(spec.args, (Json{{"node", "web1"}}));
  EXPECT_EQ(spec.filter, "role=web");
  EXPECT_EQ(spec.nodes, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(spec.timeout, 5000ms);
  EXPECT_EQ(spec.quiet, 300ms);
  EXPECT_EQ(spec.replier, security::Role::Provisioner);
  EXPECT_TRUE(spec.acceptUnsigned);
}

TEST(CallBuilder, NulloptNodesMeansBroadcast) {
  CallSpec spec =
      request("rpcutil", "ping").nodes(std::vector<std::string>{"a"}).nodes(std::nullopt).build();
  EXPECT_FALSE(spec.nodes.has_value());
}

TEST(CallBuilder, TtlCoversTheWaitPlusClockSkew) {
  EXPECT_EQ(request("puppet", "runonce").timeout(1802s).build().ttl, 1832u);
  // A fraction of a second counts as a whole one: the TTL never falls short.
  EXPECT_EQ(request("puppet", "runonce").timeout(100'001ms).build().ttl, 131u);
}

TEST(CallBuilder, TtlIsAtLeastTheFloor) {
  EXPECT_EQ(request("rpcutil", "ping").timeout(2s).build().ttl, 60u);
  EXPECT_EQ(request("rpcutil", "ping").timeout(2s).ttlFloor(90s).build().ttl, 90u);
  EXPECT_EQ(request("rpcutil", "ping").timeout(2s).ttlFloor(0s).build().ttl, 32u);
}

TEST(CallBuilder, TtlStopsAtTheNodesLimitUnlessTheFloorSaysMore) {
  EXPECT_EQ(request("puppet", "runonce").timeout(7200s).build().ttl, 3600u);
  EXPECT_EQ(request("puppet", "runonce").timeout(7200s).ttlFloor(5000s).build().ttl, 5000u);
}

TEST(CallBuilder, TtlDoesNotDependOnTheOrderOfTheCalls) {
  CallSpec floorFirst = request("puppet", "runonce").ttlFloor(60s).timeout(600s).build();
  CallSpec timeoutFirst = request("puppet", "runonce").timeout(600s).ttlFloor(60s).build();
  EXPECT_EQ(floorFirst.ttl, 630u);
  EXPECT_EQ(timeoutFirst.ttl, 630u);
}

TEST(CallBuilder, TtlIsTheSharedRule) {
  const std::vector<std::chrono::milliseconds> waits{0ms, 999ms, 30s, 31s, 3570s, 3571s, 10h};
  for (auto wait : waits) {
    for (auto floor : {0s, 60s, 4000s}) {
      EXPECT_EQ(request("a", "b").timeout(wait).ttlFloor(floor).build().ttl,
                ttlCovering(wait, floor))
          << wait.count() << " ms, floor " << floor.count() << " s";
    }
  }
}

void expectRefused(const CallBuilder& builder, const std::string& naming) {
  try {
    (void)builder.build();
    ADD_FAILURE() << "built, expected an error naming " << naming;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}

TEST(CallBuilder, RefusesWhatCannotBeSent) {
  expectRefused(request("", "ping"), "agent");
  expectRefused(request("rpcutil", ""), "action");
  expectRefused(request("rpcutil", "get_fact").args(Json::array()), "args");
  expectRefused(request("rpcutil", "ping").timeout(-1ms), "timeout");
  expectRefused(request("rpcutil", "ping").quiet(-1ms), "quiet");
  expectRefused(request("rpcutil", "ping").ttlFloor(-1s), "ttl");
  expectRefused(
      request("rpcutil", "ping").nodes(std::vector<std::string>{"web1"}).expect({"db-master"}),
      "expected names apply to a broadcast");
}

TEST(CallBuilder, ExpectedNamesReachTheSpecOfABroadcast) {
  CallSpec spec = discovery("identity(db-master)", "").expect({"db-master", "web-1"}).build();
  EXPECT_EQ(spec.expect, (std::vector<std::string>{"db-master", "web-1"}));
  EXPECT_TRUE(request("rpcutil", "ping").build().expect.empty());
}

TEST(ClaimsOf, TheSenderAndTheNamesItsDataLists) {
  NodeReply reply{"node-3", {}, Json{{"pong", 1}, {"names", {"db-master", "mongo"}}}};
  EXPECT_EQ(claimsOf(reply), (std::vector<std::string>{"node-3", "db-master", "mongo"}));
}

TEST(ClaimsOf, DataWithoutAListOfNamesClaimsOnlyTheSender) {
  const std::vector<Json> shapes = {Json{{"pong", 1}}, Json{{"names", "db-master"}},
                                    Json::array({"db-master"}), Json(nullptr),
                                    Json{{"names", {1, nullptr}}}};
  for (const auto& data : shapes) {
    SCOPED_TRACE(data.dump());
    EXPECT_EQ(claimsOf(NodeReply{"node-3", {}, data}), (std::vector<std::string>{"node-3"}));
  }
}

TEST(Discovery, PingsTheNodesThatMatchAndHostTheAgent) {
  CallSpec spec = discovery("role=web or role=db", "puppet").build();
  EXPECT_EQ(spec.agent, "rpcutil");
  EXPECT_EQ(spec.action, "ping");
  EXPECT_EQ(spec.filter, "(role=web or role=db) and agent(\"puppet\")");
  EXPECT_FALSE(spec.nodes.has_value());
}

TEST(Discovery, AnAgentAloneIsTheFilter) {
  EXPECT_EQ(discovery("", "puppet").build().filter, "agent(\"puppet\")");
}

TEST(Discovery, RpcutilOrNoAgentLeavesTheFilterAsGiven) {
  EXPECT_EQ(discovery("role=web", "rpcutil").build().filter, "role=web");
  EXPECT_EQ(discovery("role=web", "").build().filter, "role=web");
  EXPECT_EQ(discovery("", "").build().filter, "");
}

}  // namespace
}  // namespace drover::rpc
