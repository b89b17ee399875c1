// Registration heartbeats (DESIGN.md, topic `<collective>.registration`): a node
// announces itself when it starts and again when its facts change: as its facts file
// is written, as its host name is set, and on SIGHUP for what no watch can see.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/files.hpp"
#include "testing/process.hpp"
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

  // Written through a hard link in another directory: the node watches the directory
  // of its facts file, which hears nothing of it (as of a change on a network file
  // system), so only the signal makes the node read it.
  testing::TempDir elsewhere;
  std::filesystem::create_hard_link(node.factsFile(), elsewhere / "facts.yaml");
  {
    std::ofstream inPlace(elsewhere / "facts.yaml", std::ios::trunc);
    inPlace << "region: us-east-1\nrole: web\nos:\n  family: Debian\n";
  }
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  auto changed = registrationFrom(listener, "reg-hup", 10s, "us-east-1");
  ASSERT_TRUE(changed.has_value()) << fleet().logs();
  EXPECT_EQ(changed->data["facts"]["role"], "web");

  Result find = fleet().drover({"find", "-F", "region=us-east-1"});
  EXPECT_EQ(find.exitCode, 0) << find;
  EXPECT_EQ(find.out, "reg-hup\n") << find;
}

// The node watches its facts file (inotify): no signal, no timer.
TEST_F(Registration, FactsFileChangeIsNoticedWithoutASignal) {
  BusListener listener(fleet().endpoints(), {bus::registrationTopic("drover")});
  Node& node = fleet().addNode(nodeSpec("reg-poll"));
  ASSERT_TRUE(registrationFrom(listener, "reg-poll", 10s).has_value()) << fleet().logs();

  util::writeFileAtomically(node.factsFile(),
                            "region: ap-south-1\nrole: web\nos:\n  family: Debian\n");
  auto changed = registrationFrom(listener, "reg-poll", 10s, "ap-south-1");
  ASSERT_TRUE(changed.has_value()) << fleet().logs();
  EXPECT_EQ(changed->data["facts"]["os"]["family"], "Debian");

  // Written in place (truncated, then written) rather than renamed: seen once closed.
  {
    std::ofstream inPlace(node.factsFile(), std::ios::trunc);
    inPlace << "region: sa-east-1\nrole: web\n";
  }
  changed = registrationFrom(listener, "reg-poll", 10s, "sa-east-1");
  ASSERT_TRUE(changed.has_value()) << fleet().logs();
  EXPECT_EQ(changed->data["facts"]["role"], "web");
}

// A facts file written while the node still waits for the bus is announced once it is
// on the bus: the node watches its files from before it first reads them.
TEST_F(Registration, FactsWrittenBeforeTheBusAnswersAreAnnounced) {
  Fleet early;  // its own bus, stopped: the suite's nodes keep theirs
  early.stopBroker();
  Node& node = early.launchNode(nodeSpec("reg-early"));
  ASSERT_TRUE(testing::waitFor(
      [&] { return node.log().find("not answering yet") != std::string::npos; }, 20s))
      << node.log();
  util::writeFileAtomically(node.factsFile(), "region: ap-south-1\nrole: web\n");

  early.startBroker();
  node.waitReady(20s);
  Result find;
  EXPECT_TRUE(testing::waitFor(
      [&] {
        find = early.drover({"find", "-F", "region=ap-south-1"});
        return find.exitCode == 0 && find.out == "reg-early\n";
      },
      10s))
      << find << early.logs();
}

// The built-in facts follow the system without a timer: a host name set by anything
// (here `hostname` run in the node's own UTS namespace) is announced.
TEST_F(Registration, HostNameSetOutsideDroverIsAnnounced) {
  ASSERT_EQ(::geteuid(), 0u) << "this test runs droverd under unshare --uts, which needs root";
  BusListener listener(fleet().endpoints(), {bus::registrationTopic("drover")});
  NodeSpec spec = nodeSpec("reg-host");
  spec.launcher = {"/usr/bin/unshare", "--uts"};
  Node& node = fleet().addNode(spec);
  ASSERT_TRUE(registrationFrom(listener, "reg-host", 10s).has_value()) << fleet().logs();

  testing::runChecked({"/usr/bin/nsenter", "--target", std::to_string(node.pid()), "--uts",
                       "hostname", "renamed-by-hand"});
  auto renamed = listener.next(10s, [](const Envelope& env) {
    return env.type == MessageType::Registration && env.sender == "reg-host" &&
           env.data.value("facts", Json::object()).value("hostname", "") == "renamed-by-hand";
  });
  ASSERT_TRUE(renamed.has_value()) << fleet().logs();
  EXPECT_EQ(renamed->data["facts"]["region"], "eu-west-1");
}

}  // namespace
}  // namespace drover::integration
