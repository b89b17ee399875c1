// drover-provisioner against a real broker and real droverd nodes, with the Puppet steps
// played by stand-in external agents (fprov, fca in this folder) that log every
// invocation: nodes provisioned once, a provisioner SIGKILLed mid-flow and restarted,
// two provisioners racing, a step timing out and being retried.
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "core/util/json.hpp"
#include "tests/integration/fleet_suite.hpp"
#include "tests/integration/promtool.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

// On the ZeroMQ broker and on NATS (DROVER_ON_EVERY_BUS below).
class ProvisionerTest : public ::testing::TestWithParam<bus::TransportKind> {
 protected:
  void startFleet(int perRegion, const std::string& slow = "") {
    std::vector<NodeSpec> specs{spec("pm-eu", "eu", "fca"), spec("pm-us", "us", "fca")};
    for (int i = 1; i <= perRegion; ++i) {
      for (const char* region : {"eu", "us"}) {
        NodeSpec s = spec(std::string("node-") + region + "-" + std::to_string(i), region, "fprov");
        if (!slow.empty()) s.agentFiles.push_back({"slow", slow});
        nodes.push_back(s.identity);
        specs.push_back(std::move(s));
      }
    }
    fleet.addNodes(specs);
  }

  bool allProvisioned(std::chrono::milliseconds timeout) {
    return testing::waitFor(
        [&] {
          for (const auto& id : nodes) {
            if (invocations(fleet.node(id))["run production"] == 0) return false;
          }
          return true;
        },
        timeout);
  }

  // Every step that changes something ran exactly once per node.
  void expectEachStepOnce() {
    for (const auto& id : nodes) {
      auto counts = invocations(fleet.node(id));
      EXPECT_EQ(counts["set_server"], 1) << id;
      EXPECT_EQ(counts["csr"], 1) << id;
      EXPECT_EQ(counts["run bootstrap"], 1) << id;
      EXPECT_EQ(counts["run production"], 1) << id;
      std::string master = id.find("-eu-") != std::string::npos ? "pm-eu" : "pm-us";
      std::string other = master == "pm-eu" ? "pm-us" : "pm-eu";
      EXPECT_EQ(invocations(fleet.node(master))["sign " + id], 1) << id << " signed by " << master;
      EXPECT_EQ(invocations(fleet.node(other))["sign " + id], 0) << id << " signed by " << other;
    }
  }

  Json status(const std::string& provisioner) {
    Result r = fleet.drover({"provision", "status", "--provisioner", provisioner, "--json"});
    Json doc = Json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || doc["replies"].empty()) return Json::object();
    return doc["replies"][0]["data"];
  }

  bool provisionerReports(const std::string& provisioner, int provisioned,
                          std::chrono::milliseconds timeout) {
    return testing::waitFor(
        [&] {
          Json s = status(provisioner);
          return s.contains("counts") && s["counts"]["provisioned"] == provisioned;
        },
        timeout);
  }

  static FleetOptions on(bus::TransportKind transport) {
    FleetOptions options;
    options.transport = transport;
    return options;
  }

  Fleet fleet{on(GetParam())};
  std::vector<std::string> nodes;
};

TEST_P(ProvisionerTest, ProvisionsEveryNodeOnceAgainstItsRegionalMaster) {
  startFleet(3);
  Provisioner p(fleet, "prov1.provisioner");
  p.start();
  ASSERT_TRUE(allProvisioned(60s)) << p.log() << fleet.logs();
  ASSERT_TRUE(provisionerReports("prov1.provisioner", 6, 20s)) << p.log();
  expectEachStepOnce();
  for (const auto& id : nodes) {
    EXPECT_EQ(invocations(fleet.node("pm-eu"))["clean " + id], 1) << id;  // clean on every master
    EXPECT_EQ(invocations(fleet.node("pm-us"))["clean " + id], 1) << id;
  }
  std::string events = p.events(6);
  EXPECT_EQ(Provisioner::lines(events), 6u) << events;
  std::istringstream lines(events);
  int euProvisioned = 0;
  for (std::string line; std::getline(lines, line);) {
    Json event = Json::parse(line);
    euProvisioned += event["event"] == "provisioned" && event["master"] == "pm-eu";
  }
  EXPECT_EQ(euProvisioned, 3) << events;
  std::string metrics = p.metrics();
  EXPECT_THAT(metrics, ::testing::HasSubstr("drover_provisioner_nodes{state=\"provisioned\"} 6\n"));
  EXPECT_EQ(promtoolProblems(metrics), "") << metrics;
  Result history = fleet.drover({"provision", "history", "node-eu-1"});
  EXPECT_EQ(history.exitCode, 0) << history;
  EXPECT_THAT(history.out, ::testing::HasSubstr("provisioned at step"));
  EXPECT_THAT(history.out, ::testing::HasSubstr("sign"));
  Result retry = fleet.drover({"provision", "retry", "node-eu-1"});
  EXPECT_EQ(retry.exitCode, 1) << retry;
  EXPECT_THAT(retry.out, ::testing::HasSubstr("is provisioned already"));
  EXPECT_EQ(p.stop(), 0) << p.log();
}

TEST_P(ProvisionerTest, KilledMidFlowAndRestartedFinishesEveryNodeExactlyOnce) {
  startFleet(3, "0.3");
  Provisioner p(fleet, "prov1.provisioner");
  p.start();
  // Kill it once some node has been signed and before every node is through.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return !invocations(fleet.node("pm-eu")).empty() &&
               readFile(fleet.node("pm-eu").agentsDir() / "invocations.log").find("sign ") !=
                   std::string::npos;
      },
      60s))
      << p.log();
  p.kill();
  int finished = 0;
  for (const auto& id : nodes) finished += invocations(fleet.node(id))["run production"];
  ASSERT_LT(finished, 6) << "killed too late to test anything";
  p.start();
  ASSERT_TRUE(allProvisioned(90s)) << p.log();
  ASSERT_TRUE(provisionerReports("prov1.provisioner", 6, 20s)) << p.log();
  expectEachStepOnce();
  EXPECT_THAT(p.log(), ::testing::HasSubstr("resumed 6 node(s)"));
}

TEST_P(ProvisionerTest, TwoProvisionersRacingHandleEachNodeExactlyOnce) {
  startFleet(3, "0.1");
  Provisioner a(fleet, "prova.provisioner");
  Provisioner b(fleet, "provb.provisioner");
  a.start();
  b.start();
  ASSERT_TRUE(allProvisioned(90s)) << a.log() << b.log();
  // Each ends up knowing every node as provisioned: by itself or, after the other
  // released it, through the already_provisioned probe.
  ASSERT_TRUE(provisionerReports("prova.provisioner", 6, 30s)) << a.log();
  ASSERT_TRUE(provisionerReports("provb.provisioner", 6, 30s)) << b.log();
  expectEachStepOnce();
  testing::waitFor([&] { return Provisioner::lines(a.events() + b.events()) >= 6; }, 20s);
  std::string events = a.events() + b.events();
  EXPECT_EQ(Provisioner::lines(events), 6u) << events;
}

TEST_P(ProvisionerTest, AStepThatTimesOutIsRetried) {
  NodeSpec node = spec("node-eu-1", "eu", "fprov");
  node.agentFiles.push_back({"slow_first_csr", "5"});  // beyond the step's 3 s timeout
  fleet.addNodes({spec("pm-eu", "eu", "fca"), node});
  nodes = {"node-eu-1"};
  Provisioner p(fleet, "prov1.provisioner");
  p.start();
  ASSERT_TRUE(allProvisioned(60s)) << p.log();
  auto counts = invocations(fleet.node("node-eu-1"));
  EXPECT_EQ(counts["csr"], 2);
  EXPECT_EQ(counts["run production"], 1);
  EXPECT_THAT(p.events(2), ::testing::HasSubstr("\"event\":\"retried\""));
  Result history = fleet.drover({"provision", "history", "node-eu-1"});
  EXPECT_THAT(history.out, ::testing::HasSubstr("no reply within 3000 ms")) << history;
}

DROVER_ON_EVERY_BUS(ProvisionerTest);

}  // namespace
}  // namespace drover::integration
