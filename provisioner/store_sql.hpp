#pragma once
// The small SQLite helpers store.cpp and store_names.cpp share (inside the store only).
#include <sqlite3.h>

#include <string>

#include "core/util/json.hpp"
#include "provisioner/store.hpp"

namespace drover::provisioner::sql {

inline std::string text(sqlite3_stmt* stmt, int column) {
  const unsigned char* value = sqlite3_column_text(stmt, column);
  return value == nullptr ? std::string() : reinterpret_cast<const char*>(value);
}

inline Json jsonColumn(sqlite3_stmt* stmt, int column) {
  Json value = Json::parse(text(stmt, column), nullptr, false);
  return value.is_discarded() ? Json::object() : value;
}

inline void bindText(sqlite3_stmt* stmt, int index, const std::string& value) {
  sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

inline std::string dumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A prepared statement that resets itself when the scope ends.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw StoreError(std::string("cannot prepare query: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace drover::provisioner::sql
