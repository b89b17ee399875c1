#pragma once
// Per-node state and history in SQLite (WAL mode), so a provisioner killed at any moment
// resumes every node where it stopped.
//
// Schema (version 2; a version 1 database gains nodes.enrolment when opened):
//   nodes(identity PK, state, step, step_name, attempt, master, claimed, checked,
//         intent_step, intent_attempt, intent_attempt_id, intent_started_ms,
//         facts JSON, first_seen_ms, started_ms, updated_ms, finished_ms, node_started_ms,
//         last_error, enrolment)
//   attempts(id PK, identity, step, attempt, target, started_ms, finished_ms,
//            outcome, error, data JSON)       -- index (identity, id)
//   meta(key PK, value)                        -- schema_version, hosts_version
//   names(name PK, node, data JSON)            -- one holding per name
//   name_history(id PK, at_ms, name, node, previous_node, data JSON)
//
//   deployments(name PK, data JSON)            -- a deployment's document
//   deployment_members(identity PK, deployment, data JSON)
//
// (version 3 added nodes.naming and the names tables; store_names.cpp has their part;
// version 4 the deployments' tables, store_deployments.cpp.)
//
// One writer thread owns the write connection and commits whatever is queued as one
// transaction (group commit, synchronous=FULL), so many nodes' writes share an fsync.
// sync() waits until everything queued before it is on disk: the engine calls it
// between writing a call's intent and sending the call. Reads for history use their
// own connection. All public methods are thread safe.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/naming/name_table.hpp"
#include "provisioner/node_record.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace drover::provisioner {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One change of the names as the store keeps it.
struct NameHistoryRow {
  std::int64_t atMs = 0;
  naming::Change change;
  std::string by;  // who asked: a node's flow, an admin, the silence rule
};
Json toJson(const NameHistoryRow& row);

class Store {
 public:
  /// Opens (creating) the database and starts the writer. Throws StoreError naming
  /// the file when it cannot be opened, is not a provisioner database or is newer.
  explicit Store(const std::filesystem::path& file);
  ~Store();  // commits what is queued, then stops the writer
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Every node, as last committed. Throws StoreError.
  std::vector<NodeRecord> loadNodes();
  /// The largest attempt id in use (new ids continue from it). Throws StoreError.
  std::int64_t lastAttemptId();
  /// A node's history, oldest first, at most `limit` rows (the newest). Throws StoreError.
  std::vector<AttemptRecord> history(const std::string& identity, std::size_t limit);

  /// Queue writes; they reach the disk with the writer's next commit.
  void putNode(const NodeRecord& node, bool withFacts);
  void putAttempt(const AttemptRecord& attempt);  // insert or replace by id
  void dropNode(const std::string& identity);     // its history stays

  /// Names (store_names.cpp). Every holding as last committed. Throws StoreError
  /// naming the row that does not read back.
  std::vector<naming::Holding> loadHoldings();
  /// The history rows of a name, or of a node (its names), oldest first, at most `limit`
  /// (the newest). Throws StoreError.
  std::vector<NameHistoryRow> nameHistory(const std::string& nameOrNode, std::size_t limit);
  /// meta's value for `key`, "" when absent. Throws StoreError.
  std::string meta(const std::string& key);
  void putHolding(const naming::Holding& holding);
  void dropHolding(const std::string& name);
  void putNameHistory(const NameHistoryRow& row);
  void putMeta(const std::string& key, const std::string& value);
  /// Deployments (store_deployments.cpp): documents kept as the keeper wrote them.
  /// name -> data, and identity -> {deployment, data}. Throws StoreError.
  std::map<std::string, Json> loadDeployments();
  std::vector<std::pair<std::string, Json>> loadDeploymentMembers();
  void putDeployment(const std::string& name, const Json& data);
  void dropDeployment(const std::string& name);  // and its members
  void putDeploymentMember(const std::string& identity, const std::string& deployment,
                           const Json& data);
  void dropDeploymentMember(const std::string& identity);

  /// Blocks until every write queued so far is committed. Throws StoreError when the
  /// writer failed (the message says why); later writes are refused then too.
  void sync();

  const std::filesystem::path& file() const { return file_; }

 private:
  // A statement with its values, for the writes that need no prepared statement of
  // their own (names, meta).
  struct Row {
    std::string sql;
    std::vector<std::variant<std::int64_t, std::string>> values;
  };
  struct Op {
    enum class Kind { Node, NodeWithFacts, Attempt, Row } kind;
    NodeRecord node;
    AttemptRecord attempt;
    Row row;
  };

  void writerLoop();
  void enqueue(Op op);
  void apply(const Op& op);
  void applyRow(const Row& row);
  void exec(sqlite3* db, const char* sql);

  std::filesystem::path file_;
  sqlite3* writeDb_ = nullptr;
  sqlite3* readDb_ = nullptr;
  sqlite3_stmt* putNode_ = nullptr;
  sqlite3_stmt* putNodeFacts_ = nullptr;
  sqlite3_stmt* putAttempt_ = nullptr;

  std::mutex mutex_;
  std::condition_variable wake_;       // writer: work queued or stopping
  std::condition_variable committed_;  // sync(): a batch is on disk
  std::deque<Op> queue_;
  std::uint64_t queued_ = 0;  // ops ever queued
  std::uint64_t done_ = 0;    // ops ever committed (or failed)
  std::string failure_;       // set once a commit failed
  bool stopping_ = false;
  std::mutex readMutex_;
  std::thread writer_;
};

}  // namespace drover::provisioner
