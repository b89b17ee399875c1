// Store: the deployments' part (provisioner/deploy/deployment_keeper.hpp). Each row is
// the keeper's JSON document; the store keeps it and reads it back, nothing more.
#include <sqlite3.h>

#include "provisioner/store.hpp"
#include "provisioner/store_sql.hpp"

namespace drover::provisioner {

using namespace sql;

void Store::putDeployment(const std::string& name, const Json& data) {
  enqueue(Op{Op::Kind::Row,
             {},
             {},
             Row{"INSERT OR REPLACE INTO deployments(name, data) VALUES(?1, ?2)",
                 {name, dumpJson(data)}}});
}

void Store::dropDeployment(const std::string& name) {
  enqueue(
      Op{Op::Kind::Row, {}, {}, Row{"DELETE FROM deployment_members WHERE deployment=?1", {name}}});
  enqueue(Op{Op::Kind::Row, {}, {}, Row{"DELETE FROM deployments WHERE name=?1", {name}}});
}

void Store::putDeploymentMember(const std::string& identity, const std::string& deployment,
                                const Json& data) {
  enqueue(Op{Op::Kind::Row,
             {},
             {},
             Row{"INSERT OR REPLACE INTO deployment_members(identity, deployment, data) "
                 "VALUES(?1, ?2, ?3)",
                 {identity, deployment, dumpJson(data)}}});
}

void Store::dropDeploymentMember(const std::string& identity) {
  enqueue(Op{
      Op::Kind::Row, {}, {}, Row{"DELETE FROM deployment_members WHERE identity=?1", {identity}}});
}

namespace {

// A row whose JSON does not parse is an error naming it: a deployment silently dropped
// would be launched again.
Json parsedColumn(sqlite3_stmt* stmt, int column, const std::string& what) {
  Json value = Json::parse(text(stmt, column), nullptr, false);
  if (value.is_discarded() || !value.is_object()) throw StoreError(what + ": not a JSON object");
  return value;
}

}  // namespace

std::map<std::string, Json> Store::loadDeployments() {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_, "SELECT name, data FROM deployments ORDER BY name");
  std::map<std::string, Json> out;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    std::string name = text(query.get(), 0);
    out[name] =
        parsedColumn(query.get(), 1, "state database " + file_.string() + ": deployment " + name);
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return out;
}

std::vector<std::pair<std::string, Json>> Store::loadDeploymentMembers() {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_,
                  "SELECT identity, deployment, data FROM deployment_members ORDER BY identity");
  std::vector<std::pair<std::string, Json>> out;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    std::string identity = text(query.get(), 0);
    Json data = parsedColumn(
        query.get(), 2, "state database " + file_.string() + ": deployment member " + identity);
    data["deployment"] = text(query.get(), 1);
    out.emplace_back(identity, std::move(data));
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return out;
}

}  // namespace drover::provisioner
