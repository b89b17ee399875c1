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

  // rpcutil#ping sent `ageMs` ago with `ttl` seconds: the time its action is given.
  std::chrono::milliseconds budget(std::uint32_t ttl, std::int64_t ageMs) {
    envelope::Envelope request;
    request.id = "0123456789abcdef0123456789abcdef";
    request.sender = "admin";
    request.collective = "drover";
    request.agent = "rpcutil";
    request.action = "ping";
    request.time = util::nowMs() - ageMs;
    request.ttl = ttl;
    request.replyTo = "drover.reply.x";
    auto before = util::SteadyClock::now();
    Decision decision = core_->inspect(request, "drover.node.web1");
    EXPECT_EQ(decision.kind, Decision::Kind::Run) << decision.reason;
    return std::chrono::duration_cast<std::chrono::milliseconds>(decision.request.deadline - before);
  }

  ddl::Repository ddls_;
  std::unique_ptr<NodeCore> core_;
};

TEST_F(NodeCoreDeadline, ALongTtlLeavesTheDdlTimeout) {
  auto given = budget(3600, 0);
  EXPECT_LE(given, 5s);  // ddl/rpcutil.json: timeout 5
  EXPECT_GT(given, 4500ms);
}

// Past the TTL the caller no longer listens: an action must not hold the node beyond it.
TEST_F(NodeCoreDeadline, WhatIsLeftOfTheTtlCutsTheDdlTimeout) {
  auto given = budget(3, 1000);
  EXPECT_LE(given, 2000ms);
  EXPECT_GT(given, 1500ms);
}

}  // namespace
}  // namespace drover::node
