// SQLite persistence: nodes and attempts survive a reopen; history is per node, in order.
#include <gtest/gtest.h>

#include "provisioner/store.hpp"
#include "tests/support/process.hpp"

namespace drover::provisioner {
namespace {

NodeRecord sample(const std::string& identity) {
  NodeRecord n;
  n.identity = identity;
  n.state = NodeState::Running;
  n.step = 3;
  n.stepName = "sign";
  n.attempt = 2;
  n.master = "pm-eu";
  n.claimed = true;
  n.checked = true;
  n.intent = Intent{"sign", 3, 42, 1000};
  n.facts = {{"region", "eu-west-1"}};
  n.firstSeenMs = 10;
  n.startedMs = 20;
  n.updatedMs = 30;
  n.nodeStartedMs = 5;
  n.lastError = "sign: pm-eu: no reply";
  return n;
}

TEST(Store, NodesSurviveAReopen) {
  testing::TempDir dir;
  {
    Store store(dir / "state.db");
    store.putNode(sample("web-1"), true);
    NodeRecord other = sample("web-2");
    other.intent.reset();
    other.state = NodeState::Provisioned;
    store.putNode(other, true);
    // A later update without facts keeps the stored facts.
    NodeRecord update = sample("web-1");
    update.facts = Json::object();
    update.attempt = 3;
    store.putNode(update, false);
    store.sync();
  }
  Store store(dir / "state.db");
  auto nodes = store.loadNodes();
  ASSERT_EQ(nodes.size(), 2u);
  const NodeRecord& n = nodes[0];
  EXPECT_EQ(n.identity, "web-1");
  EXPECT_EQ(n.state, NodeState::Running);
  EXPECT_EQ(n.step, 3u);
  EXPECT_EQ(n.stepName, "sign");
  EXPECT_EQ(n.attempt, 3);
  EXPECT_EQ(n.master, "pm-eu");
  EXPECT_TRUE(n.claimed);
  ASSERT_TRUE(n.intent.has_value());
  EXPECT_EQ(n.intent->attemptId, 42);
  EXPECT_EQ(n.facts, (Json{{"region", "eu-west-1"}}));
  EXPECT_EQ(n.nodeStartedMs, 5);
  EXPECT_EQ(n.lastError, "sign: pm-eu: no reply");
  EXPECT_EQ(nodes[1].state, NodeState::Provisioned);
  EXPECT_FALSE(nodes[1].intent.has_value());
}

TEST(Store, HistoryIsPerNodeOldestFirstAndUpdatesById) {
  testing::TempDir dir;
  Store store(dir / "state.db");
  for (int i = 1; i <= 5; ++i) {
    store.putAttempt({i, i % 2 ? "a" : "b", "step" + std::to_string(i), 1, "a", i * 10, 0, "", "",
                      Json::object()});
  }
  store.putAttempt({3, "a", "step3", 1, "a", 30, 35, "done", "", Json{{"signed", true}}});
  store.sync();
  auto rows = store.history("a", 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].step, "step1");
  EXPECT_EQ(rows[1].outcome, "done");
  EXPECT_EQ(rows[1].data, (Json{{"signed", true}}));
  EXPECT_EQ(store.history("a", 2).front().step, "step3");  // the newest two
  EXPECT_EQ(store.lastAttemptId(), 5);
}

TEST(Store, UnusableFileIsNamed) {
  testing::TempDir dir;
  std::string path = dir.write("junk.db", "this is not a database, just text that is long enough").string();
  try {
    Store store(path);
    FAIL() << "opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace drover::provisioner
