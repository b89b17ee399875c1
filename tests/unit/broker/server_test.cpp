// The Server drover-broker runs: router options from broker.yaml, bind failures named,
// the endpoints file, and a clean stop.
#include "broker/server.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::broker {
namespace {

BrokerConfig loopbackConfig() {
  BrokerConfig config;
  config.ingress = {"tcp://127.0.0.1:*"};
  config.egress = {"tcp://127.0.0.1:*"};
  config.control = "tcp://127.0.0.1:*";
  return config;
}

TEST(Server, ClientKeysNeedTheBrokersOwnKey) {
  drover::testing::TempDir dir;
  auto config = loopbackConfig();
  config.allowedClients = dir.write("allowed", "");
  EXPECT_THROW(routerOptions(config), bus::CurveError);
  config.allowedClients.clear();
  config.adminClients = dir.write("admins", "");
  EXPECT_THROW(routerOptions(config), bus::CurveError);
}

TEST(Server, LoadsTheKeysIntoTheOptions) {
  drover::testing::TempDir dir;
  auto keys = bus::generateCurveKeys();
  bus::writeCurveKeyFile(dir / "broker.key", keys);
  auto client = bus::generateCurveKeys();
  auto config = loopbackConfig();
  config.curveKeyFile = dir / "broker.key";
  config.allowedClients = dir.write("allowed", client.publicKey + "\n");
  RouterOptions options = routerOptions(config);
  ASSERT_TRUE(options.curve.has_value());
  EXPECT_EQ(options.curve->publicKey, keys.publicKey);
  EXPECT_EQ(options.allowedClients, (std::set<std::string>{client.publicKey}));
}

TEST(Server, ABindFailureNamesTheEndpoints) {
  auto config = loopbackConfig();
  config.egress = {"tcp://no-such-interface-name:1"};
  zmq::context_t context(1);
  try {
    Server server(context, config);
    FAIL() << "bound";
  } catch (const Server::BindError& e) {
    EXPECT_NE(std::string(e.what()).find("egress tcp://no-such-interface-name:1"),
              std::string::npos)
        << e.what();
  }
}

TEST(Server, WritesTheBoundEndpointsAndStopsWhenAsked) {
  drover::testing::TempDir dir;
  zmq::context_t context(1);
  Server server(context, loopbackConfig());
  server.writeEndpoints((dir / "endpoints.json").string());
  Json endpoints = Json::parse(util::readFile(dir / "endpoints.json"));
  ASSERT_EQ(endpoints["ingress"].size(), 1u);
  EXPECT_EQ(endpoints["ingress"][0].get<std::string>().find("tcp://127.0.0.1:"), 0u);
  EXPECT_EQ(endpoints["ingress"][0].get<std::string>().find(":*"), std::string::npos);
  EXPECT_FALSE(endpoints["control"].get<std::string>().empty());
  std::atomic<bool> stop{true};
  server.run(stop);  // returns at once: stop is already set
}

}  // namespace
}  // namespace drover::broker
