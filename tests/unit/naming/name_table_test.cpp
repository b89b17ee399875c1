// The name table beyond single rules: many nodes of one service, a table rebuilt from
// its holdings (a provisioner restart), the consistency check on stored holdings,
// liveness and address updates, hosts file entries and the JSON of rows.
#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "tests/unit/naming/name_table_rows.hpp"

namespace drover::naming::rows {
namespace {

std::string nodeId(int i) { return "i-" + std::to_string(i); }

NameTable webTable(int nodes) {
  NameTable table;
  for (int i = 0; i < nodes; ++i) {
    EXPECT_TRUE(table.assign(nodeId(i), iterative("web"), "10.0.0.1", kNow).ok());
  }
  return table;
}

TEST(NameTableScale, FiveHundredNodesGetTheNames0To499) {
  NameTable table = webTable(500);
  std::set<std::string> names;
  for (int i = 0; i < 500; ++i) names.insert(table.byNode(nodeId(i))->name);
  std::set<std::string> expected;
  for (int n = 0; n < 500; ++n) expected.insert("web-" + std::to_string(n));
  EXPECT_EQ(names, expected);
}

TEST(NameTableScale, SeventeenReleasedNamesAreExactlyTheNextSeventeen) {
  NameTable table = webTable(500);
  std::vector<int> numbers(500);
  std::iota(numbers.begin(), numbers.end(), 0);
  std::shuffle(numbers.begin(), numbers.end(), std::mt19937(12));
  std::set<std::string> released;
  for (int i = 0; i < 17; ++i) {
    std::string name = "web-" + std::to_string(numbers[static_cast<std::size_t>(i)]);
    ASSERT_TRUE(table.release(name, kNow).ok()) << name;
    released.insert(name);
  }
  std::vector<std::string> filled;
  for (int i = 500; i < 517; ++i) {
    Outcome outcome = table.assign(nodeId(i), iterative("web"), "10.0.0.1", kNow);
    ASSERT_EQ(outcome.changes.size(), 1u);
    filled.push_back(outcome.changes[0].name);
  }
  std::vector<std::string> inOrder(released.begin(), released.end());
  std::sort(inOrder.begin(), inOrder.end(), [](const auto& a, const auto& b) {
    return parseName(a)->number < parseName(b)->number;
  });
  EXPECT_EQ(filled, inOrder) << "each fills the lowest gap left";
  EXPECT_EQ(table.assign("i-517", iterative("web"), "", kNow).changes[0].name, "web-500");
}

// The same operations on a table and on one rebuilt from its holdings mid-way give the
// same outcomes: a restarted provisioner never hands a name out twice.
TEST(NameTableRestart, RebuiltTableContinuesIdentically) {
  NameTable table = webTable(5);
  ASSERT_TRUE(table.assign("d1", masterful("db", {"mongo"}), "10.0.1.1", kNow).ok());
  ASSERT_TRUE(table.assign("d2", masterful("db"), "10.0.1.2", kNow).ok());
  ASSERT_TRUE(table.reserve("db-slave-2", "d9", kNow).ok());
  ASSERT_TRUE(table.release("web-1", kNow).ok());
  NameTable rebuilt(table.list());
  std::vector<Operation> next{assign("n1", iterative("web")),
                              assign("d3", masterful("db")),
                              assign("d9", masterful("db")),
                              promote("d2"),
                              assign("d4", masterful("db", {"mongo"})),
                              release("web-3"),
                              assign("n2", iterative("web")),
                              releaseSilent()};
  for (const auto& operation : next) {
    Outcome a = operation(table);
    Outcome b = operation(rebuilt);
    EXPECT_EQ(a.changes, b.changes);
    EXPECT_EQ(a.error, b.error);
  }
  EXPECT_EQ(table.list(), rebuilt.list());
}

void expectRefused(std::vector<Holding> holdings, const std::string& named) {
  try {
    NameTable table(std::move(holdings));
    ADD_FAILURE() << "accepted; expected an error naming " << named;
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
  }
}

TEST(NameTableRebuild, RefusesInconsistentHoldings) {
  expectRefused({held("web-0", "n1"), held("web-0", "n2")}, "'web-0'");
  expectRefused({held("web-0", "n1"), held("web-1", "n1")}, "'web-1'");
  expectRefused({held("web-0", "n1"), reserved("web-1", "n1")}, "'web-1'");
  expectRefused({held("web-0", "n1", {"a"}), held("web-1", "n2", {"a"})}, "'a'");
  expectRefused({held("web-0", "n1", {"web-1"}), held("web-1", "n2")}, "'web-1'");
  expectRefused({held("web-0", "n1", {"a", "a"})}, "'a'");
  expectRefused({held("web-0", "n1", {"Bad"})}, "'Bad'");
  expectRefused({held("web-0", "")}, "'web-0'");
  Holding mismatched = held("web-0", "n1");
  mismatched.service = "api";
  expectRefused({mismatched}, "'api'");
  Holding noName = held("web-0", "n1");
  noName.name = "web-00";
  expectRefused({noName}, "'web-00'");
}

TEST(NameTableRebuild, AcceptsReservationsForNobodyAndSortsAliases) {
  NameTable table({reserved("web-0"), reserved("web-1"), held("web-2", "n1", {"z", "a"})});
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.byNode("n1")->aliases, (std::vector<std::string>{"a", "z"}));
  EXPECT_EQ(table.byAlias("z")->name, "web-2");
}

TEST(NameTableSeen, RecordsLivenessAndReportsAnAddressChange) {
  NameTable table({held("web-0", "n1"), reserved("web-1", "n2")});
  EXPECT_FALSE(table.seen("n1", "10.0.0.1", kNow + 5));
  EXPECT_EQ(table.byNode("n1")->lastSeenMs, kNow + 5);
  EXPECT_TRUE(table.seen("n1", "10.0.0.2", kNow + 6));
  EXPECT_EQ(table.byNode("n1")->address, "10.0.0.2");
  EXPECT_FALSE(table.seen("n1", "", kNow + 7)) << "no address reported keeps the last one";
  EXPECT_EQ(table.byNode("n1")->address, "10.0.0.2");
  EXPECT_FALSE(table.seen("n7", "10.0.0.7", kNow)) << "a node holding no name";
  EXPECT_FALSE(table.seen("n2", "10.0.0.8", kNow)) << "a reservation is not held yet";
}

TEST(NameTableHosts, HeldNamesWithAnAddressByNameWithFqdnAndAliases) {
  Holding noAddress = held("web-1", "n2");
  noAddress.address = "";
  Holding master = held("db-master", "n1", {"data.example.org", "mongo"});
  master.address = "10.0.0.5";
  NameTable table({held("web-0", "n3"), noAddress, reserved("web-2", "n9"), master});
  std::vector<HostsEntry> expected{
      {"10.0.0.5",
       {"db-master.corp.test", "db-master", "data.example.org", "mongo", "mongo.corp.test"}},
      {"10.0.0.1", {"web-0.corp.test", "web-0"}}};
  EXPECT_EQ(table.hostsEntries("corp.test"), expected);
  std::vector<HostsEntry> bare{{"10.0.0.5", {"db-master", "data.example.org", "mongo"}},
                               {"10.0.0.1", {"web-0"}}};
  EXPECT_EQ(table.hostsEntries(""), bare);
}

TEST(NameTableList, ByNameAndByService) {
  NameTable table({held("web-0", "n1"), held("db-master", "n2"), reserved("web-1")});
  EXPECT_EQ(described(table.list()),
            (std::vector<std::string>{"db-master n2", "web-0 n1", "web-1 (reserved)"}));
  EXPECT_EQ(described(table.list("web")),
            (std::vector<std::string>{"web-0 n1", "web-1 (reserved)"}));
  EXPECT_TRUE(table.list("api").empty());
}

TEST(NameTableJson, HoldingRoundTrips) {
  Holding holding = held("db-slave-3", "n1", {"a", "b.example.org"}, 77);
  holding.sinceMs = 12;
  EXPECT_EQ(holdingFrom(toJson(holding)), holding);
  Holding reservation = reserved("web-4");
  EXPECT_EQ(holdingFrom(toJson(reservation)), reservation);
  EXPECT_EQ(toJson(holding)["type"], "masterful");
  EXPECT_EQ(toJson(holding)["last_seen_ms"], 77);
}

TEST(NameTableJson, BadHoldingNamesTheKey) {
  auto refused = [](const Json& json, const std::string& named) {
    try {
      holdingFrom(json);
      ADD_FAILURE() << json.dump();
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
    }
  };
  refused(Json::array(), "object");
  refused(Json{{"name", "web-07"}}, "'web-07'");
  refused(Json{{"name", "web-0"}, {"node", 3}}, "holding.node");
  refused(Json{{"name", "web-0"}, {"node", "n"}, {"type", "masterful"}}, "web-0");
  refused(Json{{"name", "web-0"}, {"node", "n"}, {"aliases", "x"}}, "holding.aliases");
}

TEST(NameTableJson, ChangeKindsRoundTrip) {
  for (auto kind : {Change::Kind::Assigned, Change::Kind::Released, Change::Kind::Reserved,
                    Change::Kind::Renamed, Change::Kind::Promoted, Change::Kind::AliasMoved,
                    Change::Kind::AliasAdded, Change::Kind::AliasRemoved}) {
    EXPECT_EQ(changeKindFrom(toString(kind)), kind) << toString(kind);
  }
  EXPECT_EQ(toString(Change::Kind::AliasMoved), "alias_moved");
  EXPECT_FALSE(changeKindFrom("moved").has_value());
  Change change{Change::Kind::Promoted, "db-master", "n2", "n1", "db-slave-1", "why"};
  EXPECT_EQ(toJson(change), (Json{{"kind", "promoted"},
                                  {"name", "db-master"},
                                  {"node", "n2"},
                                  {"previous_node", "n1"},
                                  {"previous_name", "db-slave-1"},
                                  {"detail", "why"}}));
}

}  // namespace
}  // namespace drover::naming::rows
