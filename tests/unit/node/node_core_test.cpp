// NodeCore without sockets or security: how long an accepted request may run.
#include <gtest/gtest.h>

#include "agents/builtin.hpp"
#include "core/ddl/repository.hpp"
#include "core/util/clock.hpp"
#include "node/node_core.hpp"

namespace drover::node {
namespace {

using namespace std::chrono_literals;

class NodeCoreDeadline : public ::testing::Test {
 protected:
  NodeCoreDeadline() : ddls_({std::string(DROVER_SOURCE_DIR) + "/ddl"}) {
    NodeIdentity id;
    id.identity = "web1";
    core_ = std::make_unique<NodeCore>(id);
    for (auto& agent : agents::makeBuiltinAgents(ddls_, *core_)) core_->addAgent(std::move(agent));
  }

  static envelope::Envelope rpcutilRequest(const std::string& action) {
    envelope::Envelope sent;
    sent.id = "0123456789abcdef0123456789abcdef";
    sent.sender = "admin";
    sent.collective = "drover";
    sent.agent = "rpcutil";
    sent.action = action;
    sent.time = util::nowMs();
    sent.ttl = 60;
    sent.replyTo = "drover.reply.x";
    return sent;
  }

  // What inspect() gave rpcutil#ping, sent `ageMs` ago with `ttl` seconds: its deadline
  // seen from just before and just after the call, and the wall time the call took.
  struct Given {
    std::chrono::nanoseconds fromBefore, fromAfter;
    std::chrono::milliseconds wallSpent;
  };

  Given budget(std::uint32_t ttl, std::int64_t ageMs) {
    envelope::Envelope request;
    request.id = "0123456789abcdef0123456789abcdef";
    request.sender = "admin";
    request.collective = "drover";
    request.agent = "rpcutil";
    request.action = "ping";
    std::int64_t wallBefore = util::nowMs();
    request.time = wallBefore - ageMs;
    request.ttl = ttl;
    request.replyTo = "drover.reply.x";
    auto before = util::SteadyClock::now();
    Decision decision = core_->inspect(request, "drover.node.web1");
    auto after = util::SteadyClock::now();
    std::int64_t wallAfter = util::nowMs();
    EXPECT_EQ(decision.kind, Decision::Kind::Run) << decision.reason;
    return {decision.request.deadline - before, decision.request.deadline - after,
            std::chrono::milliseconds(wallAfter - wallBefore)};
  }

  ddl::Repository ddls_;
  std::unique_ptr<NodeCore> core_;
};

// The budget is taken at a moment inside inspect(), so deadline - budget lies between
// `before` and `after`: exact bounds, whatever the machine's load.
TEST_F(NodeCoreDeadline, ALongTtlLeavesTheDdlTimeout) {
  Given given = budget(3600, 0);
  EXPECT_GE(given.fromBefore, 5s);  // ddl/rpcutil.json: timeout 5
  EXPECT_LE(given.fromAfter, 5s);
}

// Past the TTL the caller no longer listens: an action must not hold the node beyond it.
// What is left of it is 3 s - 1 s, less the wall time inspect() took before it looked.
TEST_F(NodeCoreDeadline, WhatIsLeftOfTheTtlCutsTheDdlTimeout) {
  Given given = budget(3, 1000);
  EXPECT_GE(given.fromBefore, 2000ms - given.wallSpent);
  EXPECT_LE(given.fromAfter, 2000ms);
}

// The node finds the action once and hands it on: the agent runs what the node checked.
TEST_F(NodeCoreDeadline, AnAcceptedRequestCarriesTheActionTheNodeLookedUp) {
  Decision decision = core_->inspect(rpcutilRequest("collective_info"), "drover.node.web1");
  ASSERT_EQ(decision.kind, Decision::Kind::Run) << decision.reason;
  EXPECT_EQ(decision.action, core_->findAgent("rpcutil")->findAction("collective_info"));
  EXPECT_EQ(decision.action->ddl->name, "collective_info");
}

TEST_F(NodeCoreDeadline, AnUnknownActionIsRefusedNamingTheActionsThereAre) {
  Decision decision = core_->inspect(rpcutilRequest("reboot"), "drover.node.web1");
  ASSERT_EQ(decision.kind, Decision::Kind::Reply);
  EXPECT_EQ(decision.reply.status.code, envelope::StatusCode::UnknownAction);
  EXPECT_NE(
      decision.reply.status.message.find("agent 'rpcutil' has no action 'reboot' (actions: ping,"),
      std::string::npos)
      << decision.reply.status.message;
}

}  // namespace
}  // namespace drover::node
