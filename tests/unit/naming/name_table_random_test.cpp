// Uniqueness at every moment, whatever the order of operations: thousands of random
// operations (a fixed seed, so a failure repeats) over a few nodes, names and aliases,
// with the table's indexes and its consistency check verified after each one.
#include <random>
#include <set>

#include "tests/unit/naming/name_table_rows.hpp"

namespace drover::naming::rows {
namespace {

class RandomOperations {
 public:
  explicit RandomOperations(unsigned seed) : random_(seed) {}

  Operation next() {
    std::int64_t at = now_;
    switch (pick(7)) {
      case 0:
      case 1:
        return [at, node = node(), declaration = declaration()](NameTable& table) {
          return table.assign(node, declaration, "10.0.0.1", at);
        };
      case 2:
        return [at, name = pickOf(names_)](NameTable& table) { return table.release(name, at); };
      case 3:
        return [at, name = pickOf(names_), node = pick(3) == 0 ? "" : node()](NameTable& table) {
          return table.reserve(name, node, at);
        };
      case 4:
        return [at, target = pick(2) == 0 ? node() : pickOf(names_)](NameTable& table) {
          return table.promote(target, at, kReleaseAfter);
        };
      case 5: return [at](NameTable& table) { return table.releaseSilent(at, kReleaseAfter); };
      default: return seen(node());
    }
  }

  /// Time passes between operations: some nodes go silent past releaseAfter.
  std::int64_t advance() { return now_ += pick(3) * kReleaseAfter / 4; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  std::string pickOf(const std::vector<std::string>& items) {
    return items[static_cast<std::size_t>(pick(static_cast<int>(items.size())))];
  }
  std::string node() { return "n" + std::to_string(pick(10)); }

  Declaration declaration() {
    Declaration declaration = pick(2) == 0 ? masterful("db") : iterative("web");
    for (const auto& alias : aliases_) {
      if (pick(3) == 0) declaration.aliases.push_back(alias);
    }
    return declaration;
  }

  Operation seen(const std::string& node) {
    std::int64_t at = now_;
    return [node, at](NameTable& table) {
      table.seen(node, "10.0.0." + node.substr(1), at);
      return Outcome{};
    };
  }

  std::mt19937 random_;
  std::int64_t now_ = kNow;
  std::vector<std::string> names_{"db-master", "db-slave-1", "db-slave-2", "db-slave-3",
                                  "web-0",     "web-1",      "web-2",      "mongo"};
  std::vector<std::string> aliases_{"mongo", "api", "web-2", "data.example.org"};
};

// Every index points where the holdings say, and a table rebuilt from them is accepted.
void expectConsistent(const NameTable& table) {
  std::vector<Holding> holdings = table.list();
  ASSERT_EQ(table.size(), holdings.size());
  for (const auto& holding : holdings) {
    EXPECT_EQ(table.byName(holding.name)->node, holding.node);
    if (!holding.node.empty()) {
      EXPECT_EQ(table.byNode(holding.node)->name, holding.name);
    }
    for (const auto& alias : holding.aliases) EXPECT_EQ(table.byAlias(alias)->name, holding.name);
  }
  EXPECT_NO_THROW(NameTable{holdings});
}

TEST(NameTableRandom, EveryOperationKeepsNamesAndAliasesUnique) {
  RandomOperations operations(20261205);
  NameTable table;
  std::set<Change::Kind> kinds;
  for (int i = 0; i < 5000; ++i) {
    Operation operation = operations.next();
    std::vector<Holding> before = table.list();
    Outcome outcome = operation(table);
    if (!outcome.ok()) {
      EXPECT_EQ(table.list(), before) << "refused, yet changed: " << outcome.error;
    }
    for (const auto& change : outcome.changes) kinds.insert(change.kind);
    expectConsistent(table);
    if (HasFailure()) FAIL() << "after operation " << i;
    operations.advance();
  }
  EXPECT_EQ(kinds.size(), 8u) << "every kind of change was made along the way";
}

}  // namespace
}  // namespace drover::naming::rows
