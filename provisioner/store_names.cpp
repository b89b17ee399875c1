// Store: the names' part (name_keeper.hpp): holdings, their history, meta values.
#include <sqlite3.h>

#include "provisioner/store.hpp"
#include "provisioner/store_sql.hpp"

namespace drover::provisioner {

using namespace sql;

Json toJson(const NameHistoryRow& row) {
  Json out = naming::toJson(row.change);
  out["at_ms"] = row.atMs;
  out["by"] = row.by;
  return out;
}

void Store::putHolding(const naming::Holding& holding) {
  enqueue(Op{Op::Kind::Row,
             {},
             {},
             Row{"INSERT OR REPLACE INTO names(name, node, data) VALUES(?1, ?2, ?3)",
                 {holding.name, holding.node, dumpJson(naming::toJson(holding))}}});
}

void Store::dropHolding(const std::string& name) {
  enqueue(Op{Op::Kind::Row, {}, {}, Row{"DELETE FROM names WHERE name=?1", {name}}});
}

void Store::putNameHistory(const NameHistoryRow& row) {
  const naming::Change& c = row.change;
  enqueue(Op{Op::Kind::Row,
             {},
             {},
             Row{"INSERT INTO name_history(at_ms, name, node, previous_node, data) "
                 "VALUES(?1, ?2, ?3, ?4, ?5)",
                 {row.atMs, c.name, c.node, c.previousNode, dumpJson(toJson(row))}}});
}

void Store::putMeta(const std::string& key, const std::string& value) {
  enqueue(Op{Op::Kind::Row,
             {},
             {},
             Row{"INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", {key, value}}});
}

void Store::applyRow(const Row& row) {
  Statement stmt(writeDb_, row.sql);
  int index = 1;
  for (const auto& value : row.values) {
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      sqlite3_bind_int64(stmt.get(), index++, *number);
    } else {
      bindText(stmt.get(), index++, std::get<std::string>(value));
    }
  }
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) throw StoreError(sqlite3_errmsg(writeDb_));
}

std::vector<naming::Holding> Store::loadHoldings() {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_, "SELECT name, data FROM names ORDER BY name");
  std::vector<naming::Holding> out;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    try {
      out.push_back(naming::holdingFrom(Json::parse(text(query.get(), 1))));
    } catch (const std::exception& e) {
      throw StoreError("state database " + file_.string() + ": name " + text(query.get(), 0) +
                       ": " + e.what());
    }
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return out;
}

std::vector<NameHistoryRow> Store::nameHistory(const std::string& nameOrNode, std::size_t limit) {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_,
                  "SELECT data FROM name_history WHERE name=?1 OR node=?1 OR previous_node=?1 "
                  "ORDER BY id DESC LIMIT ?2");
  bindText(query.get(), 1, nameOrNode);
  sqlite3_bind_int64(query.get(), 2, static_cast<sqlite3_int64>(limit));
  std::vector<NameHistoryRow> rows;
  int rc;
  while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
    Json data = jsonColumn(query.get(), 0);
    NameHistoryRow row;
    row.atMs = data.value("at_ms", std::int64_t{0});
    row.by = data.value("by", "");
    row.change.kind =
        naming::changeKindFrom(data.value("kind", "")).value_or(naming::Change::Kind::Assigned);
    row.change.name = data.value("name", "");
    row.change.node = data.value("node", "");
    row.change.previousNode = data.value("previous_node", "");
    row.change.previousName = data.value("previous_name", "");
    row.change.detail = data.value("detail", "");
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE)
    throw StoreError("state database " + file_.string() + ": " + sqlite3_errmsg(readDb_));
  return {rows.rbegin(), rows.rend()};
}

std::string Store::meta(const std::string& key) {
  std::lock_guard lock(readMutex_);
  Statement query(readDb_, "SELECT value FROM meta WHERE key=?1");
  bindText(query.get(), 1, key);
  return sqlite3_step(query.get()) == SQLITE_ROW ? text(query.get(), 0) : "";
}

}  // namespace drover::provisioner
