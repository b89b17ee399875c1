// broker.yaml: defaults, bind endpoint checks, each endpoint bound once, and the
// shipped example.
#include <gtest/gtest.h>

#include "broker/broker_config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::broker {
namespace {

using config::testing::errorOf;
using config::testing::loadWith;
using config::testing::ScratchDir;

TEST(BrokerConfig, Defaults) {
  BrokerConfig c = BrokerConfig::load("");
  EXPECT_EQ(c.ingress, std::vector<std::string>{"tcp://127.0.0.1:7301"});
  EXPECT_EQ(c.egress, std::vector<std::string>{"tcp://127.0.0.1:7302"});
  EXPECT_EQ(c.control, "");
  EXPECT_EQ(c.hwm, 100000);
  EXPECT_EQ(c.logLevel, "info");
}

TEST(BrokerConfig, BindEndpoints) {
  ScratchDir dir;
  const std::string file = (dir.path() / "broker.yaml").string();
  auto c = loadWith<BrokerConfig>(
      dir, "broker.yaml",
      "ingress: [tcp://127.0.0.1:*, ipc:///run/in]\negress: [tcp://127.0.0.1:*]\n"
      "control: ipc:///run/ctl\n",
      {});
  EXPECT_EQ(c.ingress.size(), 2u);
  EXPECT_EQ(c.control, "ipc:///run/ctl");
  EXPECT_EQ(
      errorOf([&] { loadWith<BrokerConfig>(dir, "broker.yaml", "ingress: [inproc://bus]\n", {}); }),
      file +
          ":1:11: key 'ingress': expected a bind endpoint such as tcp://HOST:PORT (PORT "
          "may be *) or ipc://PATH, got 'inproc://bus'");
  EXPECT_EQ(errorOf([&] { loadWith<BrokerConfig>(dir, "broker.yaml", "control: nowhere\n", {}); }),
            file +
                ":1:10: key 'control': expected empty, or a bind endpoint such as "
                "tcp://HOST:PORT or ipc://PATH, got 'nowhere'");
}

TEST(BrokerConfig, EachEndpointIsBoundOnce) {
  ScratchDir dir;
  const std::string file = (dir.path() / "broker.yaml").string();
  EXPECT_EQ(errorOf([&] {
              loadWith<BrokerConfig>(dir, "broker.yaml",
                                     "hwm: 10\negress: [tcp://127.0.0.1:7301]\n", {});
            }),
            file + ":2:1: key 'egress': 'tcp://127.0.0.1:7301' is already bound by ingress");
  EXPECT_EQ(errorOf([&] { loadWith<BrokerConfig>(dir, "broker.yaml", "ingress: []\n", {}); }),
            file + ":1:1: key 'ingress': needs at least one endpoint");
  EXPECT_EQ(errorOf([&] {
              loadWith<BrokerConfig>(dir, "broker.yaml", "", {"--control", "tcp://127.0.0.1:7302"});
            }),
            "--control: 'tcp://127.0.0.1:7302' is already bound by egress");
}

TEST(BrokerConfig, ExampleLoadsBackToTheDefaults) {
  config::testing::expectExampleLoadsAsDefaults<BrokerConfig>();
}

TEST(BrokerConfig, CommittedExampleIsCurrent) {
  config::testing::expectCommittedExample<BrokerConfig>("broker.yaml", "BrokerConfig");
}

}  // namespace
}  // namespace drover::broker
