// What `drover name` prints (cli/commands/name_text.hpp) from the provisioner's JSON
// (the names actions of provisioner/control.hpp).
#include "cli/commands/name_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/output.hpp"

namespace drover::cli {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kSince = 1764896523004;  // 2025-12-05T01:02:03.004Z

Json holding(const std::string& name, const std::string& node) {
  return Json{{"name", name},
              {"service", "db"},
              {"type", "masterful"},
              {"node", node},
              {"fqdn", name + ".example.internal"},
              {"address", "10.0.0.5"},
              {"aliases", {"mongo", "primary"}},
              {"reserved", false},
              {"since_ms", kSince},
              {"last_seen_ms", kSince + 1000},
              {"live", true}};
}

Json change(const std::string& kind, const std::string& name, const std::string& node,
            const std::string& previousNode, const std::string& previousName,
            const std::string& detail = "") {
  return Json{{"kind", kind},
              {"name", name},
              {"node", node},
              {"previous_node", previousNode},
              {"previous_name", previousName},
              {"detail", detail}};
}

TEST(TimeText, IsUtcWithMillisecondsAndADashForNone) {
  EXPECT_EQ(timeText(kSince), "2025-12-05T01:02:03.004Z");
  EXPECT_EQ(timeText(0), "-");
}

TEST(Columns, PadsEachColumnToItsWidestCellButNotTheLast) {
  EXPECT_EQ(columns({{"NAME", "NODE", "LIVE"}, {"db-master", "n3", "yes"}, {"w", "", ""}}),
            "NAME       NODE  LIVE\n"
            "db-master  n3    yes\n"
            "w\n");
}

TEST(HoldingsTable, OneRowPerNameUnderTheHeader) {
  Json reserved{{"name", "db-slave-2"}, {"service", "db"},          {"node", "node-9"},
                {"reserved", true},     {"aliases", Json::array()}, {"live", false}};
  std::string table = holdingsTable(Json{holding("db-master", "node-3"), reserved});
  EXPECT_EQ(
      table,
      "NAME        NODE               ADDRESS   ALIASES        SINCE                     LIVE\n"
      "db-master   node-3             10.0.0.5  mongo,primary  2025-12-05T01:02:03.004Z  yes\n"
      "db-slave-2  node-9 (reserved)  -         -              -                         no\n");
}

TEST(HoldingsTable, AReservationForNoNodeShowsNoLiveness) {
  Json open{{"name", "web-4"}, {"node", ""}, {"reserved", true}};
  EXPECT_THAT(holdingsTable(Json{open}),
              HasSubstr("web-4  (reserved)  -        -        -      -\n"));
}

TEST(HoldingsTable, AnEmptyOrMalformedListIsTheHeaderAlone) {
  const std::string header = "NAME  NODE  ADDRESS  ALIASES  SINCE  LIVE\n";
  EXPECT_EQ(holdingsTable(Json::array()), header);
  EXPECT_EQ(holdingsTable(Json("nonsense")), header);
}

TEST(HoldingText, EveryFieldOnItsLine) {
  std::string text = holdingText(holding("db-master", "node-3"));
  EXPECT_THAT(text, HasSubstr("name:       db-master\n"));
  EXPECT_THAT(text, HasSubstr("service:    db (masterful)\n"));
  EXPECT_THAT(text, HasSubstr("node:       node-3\n"));
  EXPECT_THAT(text, HasSubstr("live:       yes\n"));
  EXPECT_THAT(text, HasSubstr("fqdn:       db-master.example.internal\n"));
  EXPECT_THAT(text, HasSubstr("aliases:    mongo,primary\n"));
  EXPECT_THAT(text, HasSubstr("since:      2025-12-05T01:02:03.004Z\n"));
  EXPECT_THAT(text, HasSubstr("last seen:  2025-12-05T01:02:04.004Z\n"));
}

TEST(HistoryTable, PreviousNameAndNodeAreOneColumn) {
  Json row = change("promoted", "db-master", "node-4", "node-3", "db-slave-1", "by request");
  row["at_ms"] = kSince;
  row["by"] = "alice.admin";
  EXPECT_EQ(historyTable(Json{row}),
            "AT                        KIND      NAME       NODE    FROM                 BY"
            "           DETAIL\n"
            "2025-12-05T01:02:03.004Z  promoted  db-master  node-4  db-slave-1 (node-3)  "
            "alice.admin  by request\n");
}

TEST(ChangeLine, EachKindAsASentenceDoneOrWouldBeDone) {
  struct Case {
    Json change;
    std::string done;
  };
  const std::vector<Case> cases = {
      {change("renamed", "db-slave-1", "node-3", "node-4", "db-master"),
       "rename db-master (node-3) to db-slave-1"},
      {change("promoted", "db-master", "node-4", "node-3", "db-slave-1"),
       "promote node-4 from db-slave-1 to db-master"},
      {change("assigned", "web-0", "node-1", "", ""), "assign web-0 to node-1"},
      {change("released", "web-3", "", "node-7", ""), "release web-3 (held by node-7)"},
      {change("released", "web-4", "", "", ""), "release web-4"},
      {change("reserved", "web-5", "node-8", "", ""), "reserve web-5 for node-8"},
      {change("reserved", "web-6", "", "", ""), "reserve web-6 for the next node of its service"},
      {change("alias_moved", "mongo", "node-4", "node-3", ""),
       "move alias mongo from node-3 to node-4"},
      {change("alias_added", "mongo", "node-4", "", ""), "add alias mongo to node-4"},
      {change("alias_removed", "mongo", "", "node-3", ""), "remove alias mongo from node-3"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.change.dump());
    EXPECT_EQ(changeLine(c.change, true), "would " + c.done);
  }
  EXPECT_EQ(changeLine(cases[0].change, false), "renamed db-master (node-3) to db-slave-1");
  EXPECT_EQ(changeLine(cases[3].change, false), "released web-3 (held by node-7)");
  EXPECT_EQ(changeLine(cases[7].change, false), "moved alias mongo from node-3 to node-4");
}

TEST(ChangeLine, TheDetailFollowsAndAnUnknownKindIsStillShown) {
  EXPECT_EQ(
      changeLine(change("renamed", "db-slave-1", "node-3", "", "db-master", "old master"), false),
      "renamed db-master (node-3) to db-slave-1; old master");
  EXPECT_EQ(changeLine(change("merged", "x-1", "node-2", "", ""), true),
            "would merged x-1 (node-2)");
}

}  // namespace
}  // namespace drover::cli
