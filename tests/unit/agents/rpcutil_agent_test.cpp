// rpcutil#ping: the pong, and the names of a named node (ddl/rpcutil.json), which the
// CLI reads to turn `-I NAME` into the identity it addresses.
#include "agents/rpcutil/rpcutil_agent.hpp"

#include <gtest/gtest.h>

#include "core/ddl/repository.hpp"
#include "node/node_core.hpp"

namespace drover::agents::rpcutil {
namespace {

class Ping : public ::testing::Test {
 protected:
  Ping() : ddls_({std::string(DROVER_SOURCE_DIR) + "/ddl"}) {
    node::NodeIdentity id;
    id.identity = "node-3";
    core_ = std::make_unique<node::NodeCore>(id);
    agent_ = std::make_unique<RpcutilAgent>(*ddls_.find("rpcutil"), *core_);
  }

  Reply ping() {
    Request request;
    request.action = "ping";
    return agent_->handle(request);
  }

  ddl::Repository ddls_;
  std::unique_ptr<node::NodeCore> core_;
  std::unique_ptr<RpcutilAgent> agent_;
};

TEST_F(Ping, AnUnnamedNodeAnswersThePongAlone) {
  Reply reply = ping();
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  EXPECT_TRUE(reply.data.at("pong").is_number_integer());
  EXPECT_FALSE(reply.data.contains("names")) << reply.data.dump();
}

TEST_F(Ping, ANamedNodeListsItsNameAndAliases) {
  core_->setNames({"db-master", "mongo"});  // as the naming agent does after set_name
  Reply reply = ping();
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  EXPECT_EQ(reply.data.at("names"), (Json{"db-master", "mongo"}));
  EXPECT_TRUE(reply.data.at("pong").is_number_integer());
}

}  // namespace
}  // namespace drover::agents::rpcutil
