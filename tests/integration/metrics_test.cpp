// Prometheus metrics of droverd and drover-broker (metrics.listen): scraped over HTTP
// after real calls, checked for what a dashboard reads and by Prometheus's own linter
// (promtool check metrics).
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "testing/process.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/integration/promtool.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;

std::string scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res) throw std::runtime_error("no answer from 127.0.0.1:" + std::to_string(port));
  if (res->status != 200) throw std::runtime_error("status " + std::to_string(res->status));
  return res->body;
}

// The value of the sample written exactly `series` (name and labels), if present.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

TEST(Metrics, NodeAndBrokerCountCallsRefusalsAndPeersForPrometheus) {
  const int brokerPort = testing::freePort();
  FleetOptions options;
  options.brokerArgs = {"--metrics-listen", "127.0.0.1:" + std::to_string(brokerPort)};
  Fleet fleet(options);
  const int nodePort = testing::freePort();
  NodeSpec spec;
  spec.identity = "metrics-node";
  spec.facts = "region: eu-west-1\n";
  spec.extraArgs = {"--metrics-listen", "127.0.0.1:" + std::to_string(nodePort)};
  fleet.addNode(spec);

  // Counted from here: starting the node took calls of its own.
  std::string before = scrape(nodePort);
  const std::string okRuns = R"(drover_node_requests_total{agent="rpcutil",outcome="ok"})";
  const std::string timed = R"(drover_node_request_duration_seconds_count{agent="rpcutil"})";
  const std::string filtered = "drover_node_requests_filtered_total";

  Result ping = fleet.drover({"rpc", "rpcutil", "ping", "-I", "metrics-node"});
  ASSERT_EQ(ping.exitCode, 0) << ping;
  Result twice = fleet.drover({"rpc", "rpcutil", "ping", "-I", "metrics-node"});
  ASSERT_EQ(twice.exitCode, 0) << twice;
  // A TTL past the node's max_ttl (3600 s) is refused, and counted by its reason.
  Result tooLong = fleet.drover({"rpc", "rpcutil", "ping", "-I", "metrics-node", "--ttl", "7200"});
  EXPECT_NE(tooLong.exitCode, 0) << tooLong;
  // A broadcast the node's facts do not match is counted as filtered, not run.
  fleet.drover({"find", "-F", "region=nowhere"});

  std::string node = scrape(nodePort);
  // Each -I call also resolved the name it was given (an rpcutil request of its own).
  const double runs = sample(node, okRuns).value_or(0) - sample(before, okRuns).value_or(0);
  EXPECT_GE(runs, 2.0) << node;
  EXPECT_EQ(sample(node, R"(drover_node_refused_total{reason="ttl_too_long"})"), 1.0) << node;
  EXPECT_EQ(sample(node, filtered).value_or(0) - sample(before, filtered).value_or(0), 1.0) << node;
  EXPECT_EQ(sample(node, "drover_node_workers_limit"), 16.0) << node;
  EXPECT_EQ(sample(node, R"(drover_node_workers{state="busy"})"), 0.0) << node;
  EXPECT_GE(sample(node, "drover_node_registrations_total").value_or(0), 1.0) << node;
  EXPECT_EQ(sample(node, timed).value_or(0) - sample(before, timed).value_or(0), runs) << node;
  EXPECT_THAT(node, ::testing::HasSubstr(R"(drover_node_info{identity="metrics-node",)"));
  EXPECT_EQ(promtoolProblems(node), "") << node;

  // The broker publishes its counters every 100 ms: wait for the calls to show.
  std::string broker;
  ASSERT_TRUE(testing::waitFor(
      [&] {
        broker = scrape(brokerPort);
        return sample(broker, "drover_broker_messages_total").value_or(0) >= 6.0;
      },
      10s))
      << broker;
  // The node holds a connection on each side; the last drover has left.
  EXPECT_TRUE(testing::waitFor(
      [&] {
        broker = scrape(brokerPort);
        return sample(broker, R"(drover_broker_connections{socket="ingress"})") == 1.0 &&
               sample(broker, R"(drover_broker_connections{socket="egress"})") == 1.0;
      },
      10s))
      << broker;
  EXPECT_GT(sample(broker, "drover_broker_received_bytes_total").value_or(0), 0.0) << broker;
  EXPECT_GE(sample(broker, "drover_broker_handshakes_accepted_total").value_or(0), 2.0) << broker;
  EXPECT_EQ(promtoolProblems(broker), "") << broker;
}

TEST(Metrics, AnAddressThatCannotBeUsedStopsTheDaemonWithItsName) {
  Fleet fleet;
  NodeSpec spec;
  spec.identity = "metrics-bad";
  spec.extraArgs = {"--metrics-listen", "not-an-address"};
  Node& malformed = fleet.launchNode(spec);
  ASSERT_TRUE(testing::waitFor([&] { return !malformed.process().running(); }, 20s));
  EXPECT_EQ(malformed.process().wait(0ms), 2) << malformed.log();
  EXPECT_THAT(malformed.log(), ::testing::HasSubstr("--metrics-listen")) << malformed.log();

  // The broker's ingress port is taken: the node says so and does not start.
  std::string taken = fleet.endpoints().publish.substr(std::string("tcp://").size());
  spec.identity = "metrics-taken";
  spec.extraArgs = {"--metrics-listen", taken};
  Node& busy = fleet.launchNode(spec);
  ASSERT_TRUE(testing::waitFor([&] { return !busy.process().running(); }, 20s));
  EXPECT_EQ(busy.process().wait(0ms), 3) << busy.log();
  EXPECT_THAT(busy.log(), ::testing::HasSubstr("metrics.listen " + taken + ": cannot listen there"))
      << busy.log();
}

}  // namespace
}  // namespace drover::integration
