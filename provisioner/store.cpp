#include "provisioner/store.hpp"

#include <sqlite3.h>

#include "provisioner/store_sql.hpp"

#include "core/log/log.hpp"

namespace drover::provisioner {
namespace {

using namespace sql;

// 2: nodes.enrolment; 3: nodes.naming, the names tables; 4: the deployments' tables;
// 5: nodes.flow; 6: attempts.queued_ms, agent_ms, program_ms
constexpr int kSchemaVersion = 6;

const log::Logger logger{"drover.provisioner.store"};

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes(
  identity TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  step INTEGER NOT NULL,
  step_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  master TEXT NOT NULL,
  claimed INTEGER NOT NULL,
  checked INTEGER NOT NULL,
  intent_step TEXT,
  intent_attempt INTEGER,
  intent_attempt_id INTEGER,
  intent_started_ms INTEGER,
  facts TEXT NOT NULL DEFAULT '{}',
  first_seen_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL,
  node_started_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  enrolment TEXT NOT NULL DEFAULT '',
  naming TEXT NOT NULL DEFAULT '{}',
  flow TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS attempts(
  id INTEGER PRIMARY KEY,
  identity TEXT NOT NULL,
  step TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  target TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL,
  data TEXT NOT NULL,
  queued_ms INTEGER NOT NULL DEFAULT 0,
  agent_ms INTEGER NOT NULL DEFAULT 0,
  program_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS attempts_by_node ON attempts(identity, id);
)SQL";

// Names (name_keeper.hpp): a holding per name (the primary key keeps a name single) and
// the changes as history.
const char* kNamesSchema = R"SQL(
CREATE TABLE IF NOT EXISTS names(
  name TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS name_history(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  name TEXT NOT NULL,
  node TEXT NOT NULL,
  previous_node TEXT NOT NULL,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS name_history_by_name ON name_history(name, id);
CREATE INDEX IF NOT EXISTS name_history_by_node ON name_history(node, id);
CREATE INDEX IF NOT EXISTS name_history_by_previous ON name_history(previous_node, id);
)SQL";

// Deployments (provisioner/deploy/): each deployment's document and each member's, as
// JSON: the keeper owns their shape, the store only keeps them.
const char* kDeploymentsSchema = R"SQL(
CREATE TABLE IF NOT EXISTS deployments(
  name TEXT PRIMARY KEY,
  data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deployment_members(
  identity TEXT PRIMARY KEY,
  deployment TEXT NOT NULL,
  data TEXT NOT NULL);
)SQL";

const char* kNodeColumns =
    "identity, state, step, step_name, attempt, master, claimed, checked, intent_step, "
    "intent_attempt, intent_attempt_id, intent_started_ms, first_seen_ms, started_ms, "
    "updated_ms, finished_ms, node_started_ms, last_error, enrolment, flow";
// Written with the facts: both come from registrations.
const char* kRegisteredColumns = "facts, naming";

std::string upsertNode(bool withFacts) {
  std::string sql =
      std::string("INSERT INTO nodes(") + kNodeColumns +
      (withFacts ? std::string(", ") + kRegisteredColumns : "") +
      ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20" +
      (withFacts ? ",?21,?22" : "") +
      ") ON CONFLICT(identity) DO UPDATE SET state=excluded.state, step=excluded.step, "
      "step_name=excluded.step_name, attempt=excluded.attempt, master=excluded.master, "
      "claimed=excluded.claimed, checked=excluded.checked, "
      "intent_step=excluded.intent_step, intent_attempt=excluded.intent_attempt, "
      "intent_attempt_id=excluded.intent_attempt_id, "
      "intent_started_ms=excluded.intent_started_ms, "
      "first_seen_ms=excluded.first_seen_ms, started_ms=excluded.started_ms, "
      "updated_ms=excluded.updated_ms, finished_ms=excluded.finished_ms, "
      "node_started_ms=excluded.node_started_ms, "
      "last_error=excluded.last_error, enrolment=excluded.enrolment, flow=excluded.flow";
  if (withFacts) sql += ", facts=excluded.facts, naming=excluded.naming";
  return sql;
}

const char* kPutAttempt =
    "INSERT OR REPLACE INTO attempts(id, identity, step, attempt, target, started_ms, "
    "finished_ms, outcome, error, data, queued_ms, agent_ms, program_ms) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";

bool hasColumn(sqlite3* db, const std::string& table, const std::string& column) {
  Statement columns(db, "SELECT 1 FROM pragma_table_info('" + table + "') WHERE name=?1");
  bindText(columns.get(), 1, column);
  return sqlite3_step(columns.get()) == SQLITE_ROW;
}

sqlite3* open(const std::filesystem::path& file, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError("cannot open state database " + file.string() + ": " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

}  // namespace

void Store::exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    throw StoreError("state database " + file_.string() + ": " + why);
  }
}

Store::Store(const std::filesystem::path& file) : file_(file) {
  try {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    writeDb_ = open(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    exec(writeDb_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    exec(writeDb_, "BEGIN IMMEDIATE");
    exec(writeDb_, kSchema);
    exec(writeDb_, kNamesSchema);
    exec(writeDb_, kDeploymentsSchema);
    int found = 0;  // 0: a new database
    {
      Statement version(writeDb_, "SELECT value FROM meta WHERE key='schema_version'");
      if (sqlite3_step(version.get()) == SQLITE_ROW) found = std::stoi(text(version.get(), 0));
    }
    if (found > kSchemaVersion) {
      throw StoreError("state database " + file.string() + " has schema version " +
                       std::to_string(found) + ", newer than this provisioner's " +
                       std::to_string(kSchemaVersion));
    }
    if (found == 1) {
      exec(writeDb_, "ALTER TABLE nodes ADD COLUMN enrolment TEXT NOT NULL DEFAULT ''");
      exec(writeDb_, "UPDATE meta SET value='2' WHERE key='schema_version'");
    }
    if (found == 1 || found == 2) {
      exec(writeDb_, "ALTER TABLE nodes ADD COLUMN naming TEXT NOT NULL DEFAULT '{}'");
      exec(writeDb_, "UPDATE meta SET value='3' WHERE key='schema_version'");
    }
    // Version 4 only added tables, made above.
    if (found >= 1 && found < 4)
      exec(writeDb_, "UPDATE meta SET value='4' WHERE key='schema_version'");
    if (found >= 1 && found < 5) {
      exec(writeDb_, "ALTER TABLE nodes ADD COLUMN flow TEXT NOT NULL DEFAULT ''");
      exec(writeDb_, "UPDATE meta SET value='5' WHERE key='schema_version'");
    }
    if (found >= 1 && found < 6) {
      // The attempts table of a database that never had one was made above, whole.
      for (const char* column : {"queued_ms", "agent_ms", "program_ms"}) {
        if (hasColumn(writeDb_, "attempts", column)) continue;
        exec(writeDb_, ("ALTER TABLE attempts ADD COLUMN " + std::string(column) +
                        " INTEGER NOT NULL DEFAULT 0")
                           .c_str());
      }
      exec(writeDb_, "UPDATE meta SET value='6' WHERE key='schema_version'");
    }
    exec(writeDb_, ("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '" +
                    std::to_string(kSchemaVersion) + "')")
                       .c_str());
    exec(writeDb_, "COMMIT");
    for (auto [stmt, sql] :
         {std::pair{&putNode_, upsertNode(false)}, std::pair{&putNodeFacts_, upsertNode(true)},
          std::pair{&putAttempt_, std::string(kPutAttempt)}}) {
      if (sqlite3_prepare_v2(writeDb_, sql.c_str(), -1, stmt, nullptr) != SQLITE_OK) {
        throw StoreError("state database " + file.string() + ": " + sqlite3_errmsg(writeDb_));
      }
    }
    readDb_ = open(file, SQLITE_OPEN_READONLY);
  } catch (...) {
    for (auto* stmt : {putNode_, putNodeFacts_, putAttempt_}) sqlite3_finalize(stmt);
    sqlite3_close(readDb_);
    sqlite3_close(writeDb_);
    throw;
  }
  writer_ = std::thread([this] { writerLoop(); });
}

Store::~Store() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  for (auto* stmt : {putNode_, putNodeFacts_, putAttempt_}) sqlite3_finalize(stmt);
  sqlite3_close(readDb_);
  sqlite3_close(writeDb_);
}

void Store::enqueue(Op op) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(op));
    ++queued_;
  }
  wake_.notify_one();
}

void Store::putNode(const NodeRecord& node, bool withFacts) {
  enqueue(Op{withFacts ? Op::Kind::NodeWithFacts : Op::Kind::Node, node, {}, {}});
}

void Store::putAttempt(const AttemptRecord& attempt) {
  enqueue(Op{Op::Kind::Attempt, {}, attempt, {}});
}

void Store::dropNode(const std::string& identity) {
  enqueue(Op{Op::Kind::Row, {}, {}, Row{"DELETE FROM nodes WHERE identity=?1", {identity}}});
}

void Store::sync() {
  std::unique_lock lock(mutex_);
  std::uint64_t target = queued_;
  committed_.wait(lock, [&] { return done_ >= target || !failure_.empty(); });
  if (!failure_.empty()) throw StoreError(failure_);
}

void Store::writerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::deque<Op> batch;
    batch.swap(queue_);
    lock.unlock();
    std::string error;
    try {
      exec(writeDb_, "BEGIN");
      for (const Op& op : batch) apply(op);
      exec(writeDb_, "COMMIT");
    } catch (const std::exception& e) {
      error = e.what();
      sqlite3_exec(writeDb_, "ROLLBACK", nullptr, nullptr, nullptr);
      logger()->error("state database {}: {} write(s) lost: {}", file_.string(), batch.size(),
                      error);
    }
    lock.lock();
    done_ += batch.size();
    if (!error.empty() && failure_.empty()) failure_ = error;
    committed_.notify_all();
  }
}

void Store::apply(const Op& op) {
  if (op.kind == Op::Kind::Row) return applyRow(op.row);
  sqlite3_stmt* stmt = nullptr;
  if (op.kind == Op::Kind::Attempt) {
    const AttemptRecord& a = op.attempt;
    stmt = putAttempt_;
    sqlite3_bind_int64(stmt, 1, a.id);
    bindText(stmt, 2, a.identity);
    bindText(stmt, 3, a.step);
    sqlite3_bind_int(stmt, 4, a.attempt);
    bindText(stmt, 5, a.target);
    sqlite3_bind_int64(stmt, 6, a.startedMs);
    sqlite3_bind_int64(stmt, 7, a.finishedMs);
    bindText(stmt, 8, a.outcome);
    bindText(stmt, 9, a.error);
    bindText(stmt, 10, dumpJson(a.data));
    sqlite3_bind_int64(stmt, 11, a.queuedMs);
    sqlite3_bind_int64(stmt, 12, a.agentMs);
    sqlite3_bind_int64(stmt, 13, a.programMs);
  } else {
    const NodeRecord& n = op.node;
    stmt = op.kind == Op::Kind::NodeWithFacts ? putNodeFacts_ : putNode_;
    bindText(stmt, 1, n.identity);
    bindText(stmt, 2, toString(n.state));
    sqlite3_bind_int64(stmt, 3, static_cast<sqlite3_int64>(n.step));
    bindText(stmt, 4, n.stepName);
    sqlite3_bind_int(stmt, 5, n.attempt);
    bindText(stmt, 6, n.master);
    sqlite3_bind_int(stmt, 7, n.claimed ? 1 : 0);
    sqlite3_bind_int(stmt, 8, n.checked ? 1 : 0);
    if (n.intent) {
      bindText(stmt, 9, n.intent->step);
      sqlite3_bind_int(stmt, 10, n.intent->attempt);
      sqlite3_bind_int64(stmt, 11, n.intent->attemptId);
      sqlite3_bind_int64(stmt, 12, n.intent->startedMs);
    } else {
      for (int i = 9; i <= 12; ++i) sqlite3_bind_null(stmt, i);
    }
    sqlite3_bind_int64(stmt, 13, n.firstSeenMs);
    sqlite3_bind_int64(stmt, 14, n.startedMs);
    sqlite3_bind_int64(stmt, 15, n.updatedMs);
    sqlite3_bind_int64(stmt, 16, n.finishedMs);
    sqlite3_bind_int64(stmt, 17, n.nodeStartedMs);
    bindText(stmt, 18, n.lastError);
    bindText(stmt, 19, toString(n.enrolment));
    bindText(stmt, 20, n.flow);
    if (op.kind == Op::Kind::NodeWithFacts) {
      bindText(stmt, 21, dumpJson(n.facts));
      bindText(stmt, 22, dumpJson(n.naming));
    }
  }
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (rc != SQLITE_DONE) throw StoreError(sqlite3_errmsg(writeDb_));
}

std::vector<NodeRecord> Store::loadNodes() {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_, std::string("SELECT ") + kNodeColumns + ", " + kRegisteredColumns +
                               " FROM nodes ORDER BY first_seen_ms, identity");
  std::vector<NodeRecord> nodes;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    sqlite3_stmt* s = query.get();
    NodeRecord n;
    n.identity = text(s, 0);
    try {
      n.state = nodeStateFrom(text(s, 1));
      n.enrolment = enrolmentFrom(text(s, 18));
    } catch (const std::invalid_argument& e) {
      throw StoreError("state database " + file_.string() + ": node " + n.identity + ": " +
                       e.what());
    }
    n.step = static_cast<std::size_t>(sqlite3_column_int64(s, 2));
    n.stepName = text(s, 3);
    n.attempt = sqlite3_column_int(s, 4);
    n.master = text(s, 5);
    n.claimed = sqlite3_column_int(s, 6) != 0;
    n.checked = sqlite3_column_int(s, 7) != 0;
    if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
      n.intent = Intent{text(s, 8), sqlite3_column_int(s, 9), sqlite3_column_int64(s, 10),
                        sqlite3_column_int64(s, 11)};
    }
    n.firstSeenMs = sqlite3_column_int64(s, 12);
    n.startedMs = sqlite3_column_int64(s, 13);
    n.updatedMs = sqlite3_column_int64(s, 14);
    n.finishedMs = sqlite3_column_int64(s, 15);
    n.nodeStartedMs = sqlite3_column_int64(s, 16);
    n.lastError = text(s, 17);
    n.flow = text(s, 19);
    n.facts = jsonColumn(s, 20);
    n.naming = jsonColumn(s, 21);
    nodes.push_back(std::move(n));
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return nodes;
}

std::int64_t Store::lastAttemptId() {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_, "SELECT COALESCE(MAX(id), 0) FROM attempts");
  if (sqlite3_step(query.get()) != SQLITE_ROW) {
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  }
  return sqlite3_column_int64(query.get(), 0);
}

std::vector<AttemptRecord> Store::history(const std::string& identity, std::size_t limit) {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_,
                  "SELECT id, identity, step, attempt, target, started_ms, finished_ms, outcome, "
                  "error, data, queued_ms, agent_ms, program_ms FROM attempts WHERE identity=?1 "
                  "ORDER BY id DESC LIMIT ?2");
  bindText(query.get(), 1, identity);
  sqlite3_bind_int64(query.get(), 2, static_cast<sqlite3_int64>(limit));
  std::vector<AttemptRecord> rows;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    sqlite3_stmt* s = query.get();
    rows.push_back(AttemptRecord{sqlite3_column_int64(s, 0), text(s, 1), text(s, 2),
                                 sqlite3_column_int(s, 3), text(s, 4), sqlite3_column_int64(s, 5),
                                 sqlite3_column_int64(s, 6), text(s, 7), text(s, 8),
                                 jsonColumn(s, 9), sqlite3_column_int64(s, 10),
                                 sqlite3_column_int64(s, 11), sqlite3_column_int64(s, 12)});
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return {rows.rbegin(), rows.rend()};
}

}  // namespace drover::provisioner
