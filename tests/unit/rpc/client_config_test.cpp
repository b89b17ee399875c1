// client.yaml: defaults, the file and flags, and the shipped example.
#include <gtest/gtest.h>

#include "core/rpc/client_config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::rpc {
namespace {

using config::testing::errorOf;
using config::testing::loadWith;
using config::testing::ScratchDir;

TEST(ClientConfig, Defaults) {
  ClientConfig c = ClientConfig::load("");
  EXPECT_EQ(c.identity, config::userAtHost());
  EXPECT_NE(c.identity.find('@'), std::string::npos);
  EXPECT_EQ(c.mainCollective, "drover");
  EXPECT_EQ(c.bus.brokerPublish, "tcp://127.0.0.1:7301");
  EXPECT_EQ(c.bus.brokerSubscribe, "tcp://127.0.0.1:7302");
  EXPECT_EQ(c.ddlDirs, config::defaultDdlDirs());
  EXPECT_EQ(c.timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.discoveryQuiet, std::chrono::milliseconds(150));
  EXPECT_EQ(c.ttl, std::chrono::seconds(60));
  EXPECT_EQ(c.logLevel, "warn");
}

TEST(ClientConfig, FileAndFlags) {
  ScratchDir dir;
  const std::string file = (dir.path() / "client.yaml").string();
  auto c = loadWith<ClientConfig>(dir, "client.yaml", "timeout: 30\ndiscovery_quiet: 500\n",
                                  {"--ttl", "120", "--identity", "ops@admin1"});
  EXPECT_EQ(c.timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.discoveryQuiet, std::chrono::milliseconds(500));
  EXPECT_EQ(c.ttl, std::chrono::seconds(120));
  EXPECT_EQ(c.identity, "ops@admin1");
  EXPECT_EQ(
      errorOf([&] { loadWith<ClientConfig>(dir, "client.yaml", "discovery_quiet: 0\n", {}); }),
      file +
          ":1:18: key 'discovery_quiet': expected a whole number of milliseconds between "
          "1 and 60000, got '0'");
}

TEST(ClientConfig, ExampleLoadsBackToTheDefaults) {
  config::testing::expectExampleLoadsAsDefaults<ClientConfig>();
}

TEST(ClientConfig, CommittedExampleIsCurrent) {
  config::testing::expectCommittedExample<ClientConfig>("client.yaml", "ClientConfig");
}

}  // namespace
}  // namespace drover::rpc
