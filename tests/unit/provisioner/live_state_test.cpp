// The live page's model: rows kept per node, changes sent once, time in step kept
// across retries, percentiles of the step durations, streams woken and released.
#include "provisioner/web/live_state.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace drover::provisioner::web {
namespace {

using namespace std::chrono_literals;

NodeRecord record(const std::string& id, NodeState state, const std::string& step,
                  std::int64_t updatedMs, int attempt = 0) {
  NodeRecord r;
  r.identity = id;
  r.state = state;
  r.stepName = step;
  r.updatedMs = updatedMs;
  r.attempt = attempt;
  r.master = "puppet-eu";
  return r;
}

Json rows(const LiveState::Changes& changes) {
  Json parsed = Json::parse(changes.rows);
  EXPECT_EQ(parsed.size(), changes.count);
  return parsed;
}

std::set<std::string> ids(const Json& rows) {
  std::set<std::string> out;
  for (const Json& row : rows) out.insert(row["id"].get<std::string>());
  return out;
}

TEST(LiveState, AStreamGetsEveryRowFirstThenOnlyWhatChanged) {
  LiveState state;
  state.nodeChanged(record("a", NodeState::Running, "csr", 1000));
  state.nodeChanged(record("b", NodeState::Waiting, "", 1000));
  auto first = state.changesSince(0);
  EXPECT_EQ(ids(rows(first)), (std::set<std::string>{"a", "b"}));

  state.nodeChanged(record("b", NodeState::Running, "clean", 2000));
  auto second = state.changesSince(first.version);
  Json changed = rows(second);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0]["id"], "b");
  EXPECT_EQ(changed[0]["state"], "running");
  EXPECT_EQ(changed[0]["step"], "clean");
  EXPECT_EQ(changed[0]["master"], "puppet-eu");
  EXPECT_EQ(state.changesSince(second.version).count, 0u);
  EXPECT_EQ(state.changesSince(second.version).rows, "[]");
  // A node changed twice is sent once, as it is now.
  state.nodeChanged(record("a", NodeState::Running, "sign", 3000));
  state.nodeChanged(record("a", NodeState::Running, "bootstrap", 4000));
  Json twice = rows(state.changesSince(second.version));
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_EQ(twice[0]["step"], "bootstrap");
}

TEST(LiveState, TimeInStepCountsFromTheStepNotFromEachRetry) {
  LiveState state;
  state.nodeChanged(record("a", NodeState::Running, "sign", 1000));
  state.nodeChanged(record("a", NodeState::Running, "sign", 5000, 1));  // a retry
  Json row = rows(state.changesSince(0))[0];
  EXPECT_EQ(row["since_ms"], 1000);
  EXPECT_EQ(row["attempt"], 1);
  state.nodeChanged(record("a", NodeState::Running, "bootstrap", 9000));
  EXPECT_EQ(rows(state.changesSince(0))[0]["since_ms"], 9000);
  state.nodeChanged(record("a", NodeState::Failed, "bootstrap", 9500));
  EXPECT_EQ(rows(state.changesSince(0))[0]["since_ms"], 9500);
}

TEST(LiveState, AFailedNodeCarriesItsError) {
  LiveState state;
  NodeRecord r = record("a", NodeState::Failed, "bootstrap", 1000);
  r.lastError = "puppet agent exited 1: <script>alert(1)</script>";
  state.nodeChanged(r);
  EXPECT_EQ(rows(state.changesSince(0))[0]["error"], r.lastError);
}

TEST(LiveState, LoadedNodesAreRowsAndDroppedOnesAreSentAsRemoved) {
  LiveState state;
  Json node = {{"identity", "a"},  {"state", "provisioned"}, {"step", "production"},
               {"attempt", 0},     {"master", "m"},          {"updated_ms", 77},
               {"last_error", ""}, {"name", "web-1"}};
  Json nodes = Json::array();
  nodes.push_back(node);
  state.load(nodes);
  auto first = state.changesSince(0);
  ASSERT_EQ(rows(first).size(), 1u);
  EXPECT_EQ(rows(first)[0]["since_ms"], 77);
  EXPECT_EQ(rows(first)[0]["name"], "web-1");
  EXPECT_EQ(rows(first)[0]["state"], "provisioned");

  state.nodeDropped("a");
  state.nodeDropped("never-known");
  auto second = state.changesSince(first.version);
  EXPECT_EQ(second.count, 0u);
  EXPECT_EQ(second.removed, Json::array({"a"}));
  EXPECT_EQ(state.changesSince(0).count, 0u);
  // Back under the same identity: a row again, not removed.
  state.nodeChanged(record("a", NodeState::Waiting, "", 100));
  auto third = state.changesSince(second.version);
  EXPECT_EQ(third.count, 1u);
  EXPECT_TRUE(third.removed.empty());
}

TEST(LiveState, AStreamTooFarBehindTheDroppedNodesStartsAgain) {
  LiveState state;
  state.nodeChanged(record("keep", NodeState::Running, "csr", 1));
  std::uint64_t behind = state.changesSince(0).version;
  for (std::size_t i = 0; i <= LiveState::kMaxRemoved; ++i) {
    std::string id = "n" + std::to_string(i);
    state.nodeChanged(record(id, NodeState::Waiting, "", 1));
    state.nodeDropped(id);
  }
  auto changes = state.changesSince(behind);
  EXPECT_TRUE(changes.resync);
  EXPECT_EQ(ids(rows(changes)), (std::set<std::string>{"keep"}));
  EXPECT_FALSE(state.changesSince(changes.version).resync);
}

TEST(LiveState, DurationsArePercentilesOfTheLatestAttemptsPerStep) {
  LiveState state;
  for (int i = 1; i <= 100; ++i) state.stepEnded("sign", i == 100 ? "retry" : "done", i);
  state.stepEnded("csr", "done", 0.5);
  Json d = state.durations();
  EXPECT_EQ(d["sign"]["count"], 100);
  EXPECT_EQ(d["sign"]["done"], 99);
  EXPECT_DOUBLE_EQ(d["sign"]["p50"].get<double>(), 50);
  EXPECT_DOUBLE_EQ(d["sign"]["p90"].get<double>(), 90);
  EXPECT_DOUBLE_EQ(d["sign"]["p99"].get<double>(), 99);
  EXPECT_DOUBLE_EQ(d["sign"]["max"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(d["csr"]["p99"].get<double>(), 0.5);

  // Only the latest are kept: old slow attempts leave the percentiles.
  for (std::size_t i = 0; i < LiveState::kDurationsPerStep; ++i) state.stepEnded("sign", "done", 1);
  d = state.durations();
  EXPECT_DOUBLE_EQ(d["sign"]["max"].get<double>(), 1);
  EXPECT_EQ(d["sign"]["kept"], LiveState::kDurationsPerStep);
  EXPECT_EQ(d["sign"]["count"], 100 + LiveState::kDurationsPerStep);
}

TEST(LiveState, AWaitingStreamWakesOnAChangeAndForGoodOnClose) {
  LiveState state;
  std::uint64_t rows = state.version();
  std::uint64_t durations = state.durationsVersion();
  std::uint64_t deployments = state.deploymentsVersion();
  std::thread writer([&] { state.nodeChanged(record("a", NodeState::Running, "csr", 1)); });
  EXPECT_TRUE(state.waitForChange(rows, durations, deployments, 60s));
  writer.join();
  EXPECT_NE(state.version(), rows);

  std::thread deployer([&] { state.deploymentsChanged(); });
  EXPECT_TRUE(state.waitForChange(state.version(), durations, deployments, 60s));
  deployer.join();

  std::thread closer([&] { state.close(); });
  EXPECT_FALSE(state.waitForChange(state.version(), state.durationsVersion(),
                                   state.deploymentsVersion(), 60s));
  closer.join();
}

}  // namespace
}  // namespace drover::provisioner::web
