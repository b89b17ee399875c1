#pragma once
// Table tests of the name table: each row is the holdings a table starts from, one
// operation, and what must follow: the changes (kind, name, node, previous node and
// name; the free-text detail is left out) and every holding afterwards, or an error
// whose text names what was wrong (and then the holdings are exactly those given).
// Every row also rebuilds a table from the holdings after it: the table's own
// consistency check is then run on every outcome.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/naming/name_table.hpp"

namespace drover::naming::rows {

constexpr std::int64_t kNow = 1'000'000'000;
constexpr std::int64_t kReleaseAfter = 600'000;  // 10 minutes

/// A name `node` holds, seen at `lastSeen` (live by default).
inline Holding held(const std::string& name, const std::string& node,
                    std::vector<std::string> aliases = {}, std::int64_t lastSeen = kNow) {
  auto parsed = parseName(name);
  EXPECT_TRUE(parsed.has_value()) << name;
  return Holding{name, parsed->service, parsed->type, node, false, "10.0.0.1", aliases,
                 1,    lastSeen};
}

/// A name reserved for `node` ("" for nobody).
inline Holding reserved(const std::string& name, const std::string& node = "") {
  Holding holding = held(name, node, {}, 0);
  holding.reserved = true;
  holding.address = "";
  return holding;
}

inline Declaration masterful(const std::string& service, std::vector<std::string> aliases = {}) {
  return Declaration{service, ServiceType::Masterful, std::move(aliases)};
}
inline Declaration iterative(const std::string& service, std::vector<std::string> aliases = {}) {
  return Declaration{service, ServiceType::Iterative, std::move(aliases)};
}

using Operation = std::function<Outcome(NameTable&)>;

inline Operation assign(const std::string& node, const Declaration& declaration) {
  return [=](NameTable& table) { return table.assign(node, declaration, "10.0.0.9", kNow); };
}
inline Operation release(const std::string& nameOrAlias) {
  return [=](NameTable& table) { return table.release(nameOrAlias, kNow); };
}
inline Operation releaseSilent() {
  return [](NameTable& table) { return table.releaseSilent(kNow, kReleaseAfter); };
}
inline Operation reserve(const std::string& name, const std::string& node) {
  return [=](NameTable& table) { return table.reserve(name, node, kNow); };
}
inline Operation promote(const std::string& nodeOrName) {
  return [=](NameTable& table) { return table.promote(nodeOrName, kNow, kReleaseAfter); };
}
/// Operations one after the other; the outcome of all (stops at the first error).
inline Operation then(std::vector<Operation> operations) {
  return [=](NameTable& table) {
    Outcome all;
    for (const auto& operation : operations) {
      Outcome outcome = operation(table);
      all.changes.insert(all.changes.end(), outcome.changes.begin(), outcome.changes.end());
      if (!outcome.ok()) return Outcome{all.changes, outcome.error};
    }
    return all;
  };
}

/// "promoted db-master n2 from=n1 was=db-slave-1" (empty fields left out).
inline std::string describe(const Change& change) {
  std::string out = toString(change.kind) + " " + change.name;
  if (!change.node.empty()) out += " " + change.node;
  if (!change.previousNode.empty()) out += " from=" + change.previousNode;
  if (!change.previousName.empty()) out += " was=" + change.previousName;
  return out;
}

/// "db-master n1 [mongo]", "web-0 (reserved n9)", "web-1 (reserved)".
inline std::string describe(const Holding& holding) {
  std::string out = holding.name;
  if (holding.reserved)
    return out + (holding.node.empty() ? " (reserved)" : " (reserved " + holding.node + ")");
  out += " " + holding.node;
  if (holding.aliases.empty()) return out;
  out += " [";
  for (std::size_t i = 0; i < holding.aliases.size(); ++i) {
    out += (i == 0 ? "" : ",") + holding.aliases[i];
  }
  return out + "]";
}

template <typename T>
std::vector<std::string> described(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(describe(item));
  return out;
}

struct Row {
  std::string name;
  std::vector<Holding> given;
  Operation operation;
  std::vector<std::string> changes;   // described; empty when an error is expected
  std::vector<std::string> holdings;  // described, by name; ignored when an error is expected
  std::vector<std::string> errorNames = {};  // each must appear in the error text
};

inline void runRow(const Row& row) {
  NameTable table(row.given);
  Outcome outcome = row.operation(table);
  if (row.errorNames.empty()) {
    EXPECT_EQ(outcome.error, "");
    EXPECT_EQ(described(outcome.changes), row.changes);
    EXPECT_EQ(described(table.list()), row.holdings);
  } else {
    EXPECT_FALSE(outcome.ok()) << "no error; changes: "
                               << testing::PrintToString(described(outcome.changes));
    for (const auto& name : row.errorNames)
      EXPECT_NE(outcome.error.find(name), std::string::npos) << outcome.error;
    EXPECT_EQ(table.list(), NameTable(row.given).list()) << "a refused operation changed the table";
  }
  EXPECT_NO_THROW(NameTable{table.list()});
}

inline std::string rowName(const ::testing::TestParamInfo<Row>& info) { return info.param.name; }

// A row prints as its name (test listings would otherwise show its bytes).
inline void PrintTo(const Row& row, std::ostream* out) { *out << row.name; }

}  // namespace drover::naming::rows
