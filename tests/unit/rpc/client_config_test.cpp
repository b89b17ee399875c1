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

TEST(ClientConfig, NatsTransportFromTheFileAndFlags) {
  ScratchDir dir;
  auto c = loadWith<ClientConfig>(
      dir, "client.yaml",
      "bus:\n  transport: nats\nnats:\n  servers: [nats://a:4222, tls://b:4443]\n"
      "  ca_file: /etc/drover/ssl/nats-ca.pem\n",
      {"--nats-token-file", "/etc/drover/nats.token"});
  bus::Endpoints e = c.bus.endpoints();
  EXPECT_EQ(e.transport, bus::TransportKind::Nats);
  EXPECT_EQ(e.nats.servers, (std::vector<std::string>{"nats://a:4222", "tls://b:4443"}));
  EXPECT_EQ(e.nats.caFile, "/etc/drover/ssl/nats-ca.pem");
  EXPECT_EQ(e.nats.tokenFile, "/etc/drover/nats.token");
  EXPECT_EQ(e.describe(), "NATS nats://a:4222, tls://b:4443");
}

TEST(ClientConfig, NatsSettingsThatCannotWorkAreNamed) {
  ScratchDir dir;
  const std::string file = (dir.path() / "client.yaml").string();
  auto error = [&](const std::string& yaml) {
    return errorOf([&] { loadWith<ClientConfig>(dir, "client.yaml", yaml, {}); });
  };
  EXPECT_EQ(error("bus:\n  transport: amqp\n"),
            file + ":2:14: key 'bus.transport': expected zmq or nats, got 'amqp'");
  EXPECT_EQ(error("nats:\n  servers: [http://a:4222]\n"),
            file +
                ":2:13: key 'nats.servers': expected a URL such as nats://HOST:PORT or "
                "tls://HOST:PORT, got 'http://a:4222'");
  EXPECT_EQ(error("nats:\n  cert_file: /c.pem\n"),
            file + ":2:3: key 'nats.cert_file': needs nats.key_file as well");
  EXPECT_EQ(error("nats:\n  token_file: /t\n  user: ops\n  password_file: /p\n"),
            file +
                ":2:3: key 'nats.token_file': conflicts with nats.user: give one of "
                "nats.credentials_file, nats.nkey, nats.user and nats.token_file");
  EXPECT_EQ(error("bus:\n  transport: nats\ncurve:\n  key_file: /k\n"),
            file +
                ":4:3: key 'curve.key_file': CURVE is for the zmq transport; NATS "
                "connections use TLS (nats.ca_file)");
}

TEST(ClientConfig, ExampleLoadsBackToTheDefaults) {
  config::testing::expectExampleLoadsAsDefaults<ClientConfig>();
}

TEST(ClientConfig, CommittedExampleIsCurrent) {
  config::testing::expectCommittedExample<ClientConfig>("client.yaml", "ClientConfig");
}

}  // namespace
}  // namespace drover::rpc
