// Registration heartbeats (DESIGN.md, topic `<collective>.registration`): a node
// announces itself when it starts and again when its facts change, on SIGHUP at once
// or at the daemon's periodic re-read of the facts file.
#include <csignal>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/files.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using envelope::Envelope;
using envelope::MessageType;

class Registration : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet({}); }

  static NodeSpec nodeSpec(const std::string& identity) {
    NodeSpec spec;
    spec.identity = identity;
    spec.facts = "region: eu-west-1\nrole: web\nos:\n  family: Debian\n";
    spec.classes = {"role::web"};
    spec.echo = true;
    return spec;
  }

  // The next registration from `identity`, optionally only one whose region is `region`.
  static std::optional<Envelope> registrationFrom(BusListener& listener,
                                                  const std::string& identity,
                                                  std::chrono::milliseconds timeout,
                                                  const std::string& region = "") {
    return listener.next(timeout, [&](const Envelope& env) {
      if (env.type != MessageType::Registration || env.sender != identity) return false;
      return region.empty() ||
             env.data.value("facts", Json::object()).value("region", "") == region;
    });
  }
};

TEST_F(Registration, AnnouncedOnStartAndAgainOnSighupAfterAFactsChange) {
  BusListener listener(fleet().endpoints(), {bus::registrationTopic("drover")});
  Node& node = fleet().addNode(nodeSpec("reg-hup"));

  auto start = registrationFrom(listener, "reg-hup", 10s);
  ASSERT_TRUE(start.has_value()) << fleet().logs();
  EXPECT_EQ(start->collective, "drover");
  EXPECT_EQ(start->data["identity"], "reg-hup");
  EXPECT_EQ(start->data["facts"]["region"], "eu-west-1");
  EXPECT_EQ(start->data["facts"]["os"]["family"], "Debian");
  EXPECT_EQ(start->data["classes"], Json::array({"role::web"}));
  EXPECT_EQ(start->data["agents"],
            Json::array({"cluster", "echo", "naming", "provision", "puppet", "rpcutil"}));

  util::writeFileAtomically(node.factsFile(),
                            "region: us-east-1\nrole: web\nos:\n  family: Debian\n");
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  // The periodic re-read comes only every 5 s: within 3 s, the signal did it.
  auto changed = registrationFrom(listener, "reg-hup", 3s, "us-east-1");
  ASSERT_TRUE(changed.has_value()) << fleet().logs();
  EXPECT_EQ(changed->data["facts"]["role"], "web");

  Result find = fleet().drover({"find", "-F", "region=us-east-1"});
  EXPECT_EQ(find.exitCode, 0) << find;
  EXPECT_EQ(find.out, "reg-hup\n") << find;
}

TEST_F(Registration, FactsFileChangeIsNoticedWithoutASignal) {
  BusListener listener(fleet().endpoints(), {bus::registrationTopic("drover")});
  Node& node = fleet().addNode(nodeSpec("reg-poll"));
  ASSERT_TRUE(registrationFrom(listener, "reg-poll", 10s).has_value()) << fleet().logs();

  util::writeFileAtomically(node.factsFile(),
                            "region: ap-south-1\nrole: web\nos:\n  family: Debian\n");
  auto changed = registrationFrom(listener, "reg-poll", 8s, "ap-south-1");
  ASSERT_TRUE(changed.has_value()) << fleet().logs();
  EXPECT_EQ(changed->data["facts"]["os"]["family"], "Debian");
}

}  // namespace
}  // namespace drover::integration
