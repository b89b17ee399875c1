// What agents add to the node (agents/agent.hpp): data in its registration under the
// agent's name, names that identity() filters match, and a registration asked for now.
// Driven through the real naming agent, over a node root in a temporary directory.
#include <gtest/gtest.h>

#include "agents/builtin.hpp"
#include "core/ddl/repository.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "node/node_core.hpp"
#include "testing/process.hpp"

namespace drover::node {
namespace {

class NodeNames : public ::testing::Test {
 protected:
  NodeNames() : ddls_({std::string(DROVER_SOURCE_DIR) + "/ddl"}) { start(); }

  // A node over root_, as droverd starts one (again, after a restart).
  void start() {
    NodeIdentity id;
    id.identity = "i-0abc";
    core_ = std::make_unique<NodeCore>(id);
    agents::BuiltinConfig config;
    config.naming.service = "db";
    config.naming.setHostname = false;
    agents::NodeFiles files{root_.path(), "", "", ""};
    for (auto& agent : agents::makeBuiltinAgents(ddls_, *core_, config, files)) {
      core_->addAgent(std::move(agent));
    }
  }

  agents::Reply setName(const std::string& name, Json aliases = Json::array()) {
    agents::Request request;
    request.action = "set_name";
    request.args = {{"name", name}, {"aliases", std::move(aliases)}};
    return core_->findAgent("naming")->handle(request);
  }

  // What the node decides about a ping filtered by `filter`.
  Decision::Kind pingWith(const std::string& filter) {
    envelope::Envelope request;
    request.id = util::randomId();
    request.sender = "admin";
    request.collective = "drover";
    request.agent = "rpcutil";
    request.action = "ping";
    request.filter = filter;
    request.time = util::nowMs();
    request.ttl = 60;
    request.replyTo = "drover.reply.x";
    return core_->inspect(request, "drover.broadcast.agent.rpcutil").kind;
  }

  testing::TempDir root_;
  ddl::Repository ddls_;
  std::unique_ptr<NodeCore> core_;
};

TEST_F(NodeNames, TheRegistrationCarriesEachAgentsDataUnderItsName) {
  Json data = core_->registration("drover").data;
  ASSERT_TRUE(data.contains("naming")) << data;
  EXPECT_EQ(data["naming"]["service"], "db");
  EXPECT_EQ(data["naming"]["name"], "");
  EXPECT_FALSE(data.contains("puppet"));  // no data: nothing added
  EXPECT_FALSE(data.contains("rpcutil"));
  EXPECT_EQ(data["identity"], "i-0abc");
}

TEST_F(NodeNames, ANewNameIsMatchedByIdentityAndAsksForARegistrationOnce) {
  EXPECT_FALSE(core_->takeRegistrationRequest());
  EXPECT_EQ(pingWith("identity(db-master)"), Decision::Kind::Ignore);
  ASSERT_EQ(setName("db-master", {"mongo"}).status.code, envelope::StatusCode::Ok);
  EXPECT_TRUE(core_->takeRegistrationRequest());
  EXPECT_FALSE(core_->takeRegistrationRequest());
  EXPECT_EQ(core_->registration("drover").data["naming"]["name"], "db-master");
  EXPECT_EQ(pingWith("identity(db-master)"), Decision::Kind::Run);
  EXPECT_EQ(pingWith("identity(mongo)"), Decision::Kind::Run);
  EXPECT_EQ(pingWith("identity(/^db-/)"), Decision::Kind::Run);
  EXPECT_EQ(pingWith("identity(i-0abc)"), Decision::Kind::Run);
  EXPECT_EQ(pingWith("identity(db-slave-1)"), Decision::Kind::Ignore);
}

TEST_F(NodeNames, ARenameDropsTheOldNameAndARestartKeepsTheNewOne) {
  ASSERT_EQ(setName("db-slave-1").status.code, envelope::StatusCode::Ok);
  ASSERT_EQ(setName("db-master").status.code, envelope::StatusCode::Ok);
  EXPECT_EQ(pingWith("identity(db-slave-1)"), Decision::Kind::Ignore);
  start();
  EXPECT_EQ(pingWith("identity(db-master)"), Decision::Kind::Run);
  EXPECT_EQ(core_->registration("drover").data["naming"]["name"], "db-master");
}

}  // namespace
}  // namespace drover::node
