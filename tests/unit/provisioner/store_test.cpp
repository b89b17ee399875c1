// SQLite persistence: nodes and attempts survive a reopen; history is per node, in order.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "provisioner/store.hpp"
#include "testing/process.hpp"

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
  store.putAttempt(
      {3, "a", "step3", 1, "a", 30, 35, "done", "", Json{{"signed", true}}, 250, 4200, 3900});
  store.sync();
  auto rows = store.history("a", 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].step, "step1");
  EXPECT_EQ(rows[1].outcome, "done");
  EXPECT_EQ(rows[1].data, (Json{{"signed", true}}));
  EXPECT_EQ(rows[1].queuedMs, 250);
  EXPECT_EQ(rows[1].agentMs, 4200);
  EXPECT_EQ(rows[1].programMs, 3900);
  EXPECT_EQ(store.history("a", 2).front().step, "step3");  // the newest two
  EXPECT_EQ(store.lastAttemptId(), 5);
}

TEST(Store, UnusableFileIsNamed) {
  testing::TempDir dir;
  std::string path =
      dir.write("junk.db", "this is not a database, just text that is long enough").string();
  try {
    Store store(path);
    FAIL() << "opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// A database written by a provisioner before enrolment existed keeps its nodes and gains
// the column.
TEST(Store, AVersion1DatabaseIsMigrated) {
  testing::TempDir dir;
  std::string file = (dir / "v1.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const char* v1 = R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version', '1');
CREATE TABLE nodes(identity TEXT PRIMARY KEY, state TEXT NOT NULL, step INTEGER NOT NULL,
  step_name TEXT NOT NULL, attempt INTEGER NOT NULL, master TEXT NOT NULL,
  claimed INTEGER NOT NULL, checked INTEGER NOT NULL, intent_step TEXT, intent_attempt INTEGER,
  intent_attempt_id INTEGER, intent_started_ms INTEGER, facts TEXT NOT NULL DEFAULT '{}',
  first_seen_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL, node_started_ms INTEGER NOT NULL, last_error TEXT NOT NULL);
INSERT INTO nodes VALUES('old1', 'failed', 2, 'clean', 1, 'pm-eu', 0, 1, NULL, NULL, NULL, NULL,
  '{"region":"eu"}', 1, 2, 3, 4, 5, 'clean: boom');
)SQL";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  {
    Store store(file);
    auto nodes = store.loadNodes();
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes[0].identity, "old1");
    EXPECT_EQ(nodes[0].state, NodeState::Failed);
    EXPECT_EQ(nodes[0].lastError, "clean: boom");
    EXPECT_EQ(nodes[0].facts, Json({{"region", "eu"}}));
    EXPECT_EQ(nodes[0].enrolment, Enrolment::NotNeeded);
    EXPECT_EQ(nodes[0].flow, "");  // the default flow
    nodes[0].enrolment = Enrolment::Required;
    nodes[0].flow = "masterless";
    store.putNode(nodes[0], false);
    store.sync();
  }
  Store reopened(file);
  EXPECT_EQ(reopened.loadNodes().at(0).enrolment, Enrolment::Required);
  EXPECT_EQ(reopened.loadNodes().at(0).flow, "masterless");
  EXPECT_EQ(reopened.meta("schema_version"), "6");
  EXPECT_TRUE(reopened.loadDeployments().empty());  // the version 4 tables are there
}

// Attempts written before replies said what their actions took read back with zero
// there, and new ones keep it.
TEST(Store, AVersion5DatabaseKeepsItsAttemptsAndGainsTheirTiming) {
  testing::TempDir dir;
  std::string file = (dir / "v5.db").string();
  {
    Store store(file);  // a whole current schema, then taken back to version 5
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const char* v5 = R"SQL(
DROP TABLE attempts;
CREATE TABLE attempts(id INTEGER PRIMARY KEY, identity TEXT NOT NULL, step TEXT NOT NULL,
  attempt INTEGER NOT NULL, target TEXT NOT NULL, started_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL, outcome TEXT NOT NULL, error TEXT NOT NULL, data TEXT NOT NULL);
INSERT INTO attempts VALUES(1, 'old1', 'sign', 1, 'pm-eu', 10, 20, 'done', '', '{}');
UPDATE meta SET value='5' WHERE key='schema_version';
)SQL";
  ASSERT_EQ(sqlite3_exec(db, v5, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  Store store(file);
  EXPECT_EQ(store.meta("schema_version"), "6");
  store.putAttempt(
      {2, "old1", "bootstrap_run", 1, "old1", 30, 9000, "done", "", Json::object(), 0, 8800, 8500});
  store.sync();
  auto rows = store.history("old1", 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].step, "sign");
  EXPECT_EQ(rows[0].agentMs, 0);
  EXPECT_EQ(rows[1].programMs, 8500);
}

// A deployment and its members read back as written; dropping the deployment drops its
// members and no other deployment's.
TEST(Store, DeploymentsSurviveAReopenAndDropWithTheirMembers) {
  testing::TempDir dir;
  std::string file = (dir / "state.db").string();
  {
    Store store(file);
    store.putDeployment("shop", Json{{"state", "running"}, {"version", 3}});
    store.putDeployment("lab", Json{{"state", "done"}});
    store.putDeploymentMember("shop-db-0", "shop", Json{{"pool", "db"}, {"slot", 0}});
    store.putDeploymentMember("shop-app-0", "shop", Json{{"pool", "app"}, {"slot", 0}});
    store.putDeploymentMember("lab-x-0", "lab", Json{{"pool", "x"}, {"slot", 0}});
    store.dropDeploymentMember("shop-app-0");
    store.sync();
  }
  Store store(file);
  auto deployments = store.loadDeployments();
  ASSERT_EQ(deployments.size(), 2u);
  EXPECT_EQ(deployments.at("shop").at("version"), 3);
  auto members = store.loadDeploymentMembers();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "lab-x-0");
  EXPECT_EQ(members[1].first, "shop-db-0");
  EXPECT_EQ(members[1].second.at("deployment"), "shop");
  EXPECT_EQ(members[1].second.at("pool"), "db");
  store.dropDeployment("shop");
  store.sync();
  EXPECT_EQ(store.loadDeployments().count("shop"), 0u);
  members = store.loadDeploymentMembers();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].first, "lab-x-0");
}

}  // namespace
}  // namespace drover::provisioner
