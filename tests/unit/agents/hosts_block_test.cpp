// The names block of the hosts file (agents/naming/hosts_block.hpp): only the block is
// rewritten, every other byte stays; the entries pushed are checked before anything is.
#include "agents/naming/hosts_block.hpp"

#include <gtest/gtest.h>

#include "agents/provision/hosts_file.hpp"

namespace drover::agents::naming {
namespace {

std::string block(std::int64_t version, const std::string& lines) {
  return "# BEGIN drover names (managed: do not edit, version " + std::to_string(version) + ")\n" +
         lines + "# END drover names\n";
}

Json entry(const std::string& address, std::vector<std::string> names) {
  return {{"address", address}, {"names", names}};
}

std::string badEntriesError(const Json& entries) {
  try {
    entriesFrom(entries);
  } catch (const BadEntries& e) {
    return e.what();
  }
  return "";
}

TEST(HostsBlock, RendersQualifiedFirstNameThenEveryNameAsGiven) {
  std::vector<HostsEntry> entries{{"10.0.0.5", {"db-master", "mongo"}}, {"fd00::7", {"web-0"}}};
  EXPECT_EQ(renderBlock(3, "example.internal", "", entries),
            block(3,
                  "10.0.0.5 db-master.example.internal db-master mongo\n"
                  "fd00::7 web-0.example.internal web-0\n"));
  EXPECT_EQ(renderBlock(4, "", "", entries), block(4, "10.0.0.5 db-master mongo\nfd00::7 web-0\n"));
}

TEST(HostsBlock, LegacyOutputComesFirstEndingInANewline) {
  std::vector<HostsEntry> entries{{"10.0.0.5", {"db-master"}}};
  EXPECT_EQ(renderBlock(1, "", "10.1.1.1 old-db\n10.1.1.2 old-web", entries),
            block(1, "10.1.1.1 old-db\n10.1.1.2 old-web\n10.0.0.5 db-master\n"));
}

TEST(HostsBlock, IsAppendedToAFileWithoutOneLeavingItsLinesAsTheyWere) {
  std::string file = "127.0.0.1\tlocalhost  \r\n# site entries\n::1 ip6-localhost\n\n";
  EXPECT_EQ(withBlock(file, block(1, "10.0.0.5 db-master\n")),
            file + block(1, "10.0.0.5 db-master\n"));
  EXPECT_EQ(withBlock("", block(1, "")), block(1, ""));
}

TEST(HostsBlock, AFileWithoutTrailingNewlineGetsOneBeforeTheBlock) {
  EXPECT_EQ(withBlock("127.0.0.1 localhost", block(1, "")), "127.0.0.1 localhost\n" + block(1, ""));
}

TEST(HostsBlock, ReplacesOnlyTheBlockKeepingEveryOtherByte) {
  std::string before = "127.0.0.1 localhost\n10.0.0.9 mine # my own\r\n";
  std::string after = "\t# after the block\n192.168.1.1 router";  // no final newline
  std::string file = before + block(1, "10.0.0.5 db-master\n10.0.0.6 db-slave-1\n") + after;
  EXPECT_EQ(withBlock(file, block(2, "10.0.0.7 db-master\n")),
            before + block(2, "10.0.0.7 db-master\n") + after);
}

TEST(HostsBlock, TheProvisionEntryOutsideIsUntouchedAndInsideMovesOutBeforeIt) {
  std::string puppet = "10.0.0.2 puppet " + std::string(provision::kHostsMarker) + "\n";
  std::string file = "127.0.0.1 localhost\n" + puppet + block(1, "10.0.0.5 db-master\n");
  EXPECT_EQ(withBlock(file, block(2, "")), "127.0.0.1 localhost\n" + puppet + block(2, ""));
  // provision puts its entry before the first line naming its server, which may be in
  // the block; rewriting the block must not lose it.
  file = "127.0.0.1 localhost\n" + block(1, "10.0.0.5 db-master\n" + puppet + "10.0.0.3 puppet\n");
  EXPECT_EQ(withBlock(file, block(2, "")), "127.0.0.1 localhost\n" + puppet + block(2, ""));
}

TEST(HostsBlock, ASecondBlockIsDropped) {
  std::string file = block(1, "10.0.0.5 a\n") + "10.0.0.1 mine\n" + block(1, "10.0.0.6 b\n");
  EXPECT_EQ(withBlock(file, block(2, "")), block(2, "") + "10.0.0.1 mine\n");
}

TEST(HostsBlock, ABlockNeverClosedIsRefusedNamingItsLine) {
  try {
    withBlock(
        "127.0.0.1 localhost\n# BEGIN drover names (managed: do not edit, version 1)\n"
        "10.0.0.5 db-master\n",
        block(2, ""));
    FAIL() << "an unclosed block was replaced";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2 opens the names block"), std::string::npos)
        << e.what();
  }
}

TEST(HostsEntries, GoodEntriesAreRead) {
  auto entries = entriesFrom(Json::array(
      {entry("10.0.0.5", {"db-master", "db-master.example.internal"}), entry("::1", {"x"})}));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].address, "10.0.0.5");
  EXPECT_EQ(entries[0].names,
            (std::vector<std::string>{"db-master", "db-master.example.internal"}));
  EXPECT_EQ(entries[1].address, "::1");
}

TEST(HostsEntries, ABadEntryIsRefusedNamingItsIndexAndField) {
  Json good = entry("10.0.0.5", {"db-master"});
  EXPECT_EQ(badEntriesError(Json::array({good, good, entry("10.0.0.300", {"web-1"})})),
            "entries[2].address: '10.0.0.300' is not an IPv4 or IPv6 address");
  EXPECT_EQ(badEntriesError(Json::array({good, entry("10.0.0.6", {"web-1", "Web_2"})})),
            "entries[1].names[1]: host name 'Web_2' has upper case 'W': names are lower case");
  EXPECT_EQ(badEntriesError(Json::array({entry("10.0.0.6", {"-web"})})),
            "entries[0].names[0]: host name '-web': label '-web' starts or ends with '-'");
  EXPECT_EQ(badEntriesError(Json::array({entry("10.0.0.6", {})})),
            "entries[0].names: expected a list of 1 to 64 host names");
  EXPECT_EQ(badEntriesError(Json::array({good, "10.0.0.6 web-1"})),
            "entries[1]: expected an object {address, names}");
  EXPECT_EQ(badEntriesError(Json::array({Json{{"names", {"a"}}}})),
            "entries[0].address: 'null' is not an IPv4 or IPv6 address");
  EXPECT_EQ(badEntriesError(Json::array({entry("10.0.0.6 # x", {"a"})})),
            "entries[0].address: '10.0.0.6 # x' is not an IPv4 or IPv6 address");
}

TEST(HostsEntries, AtMostTwentyThousand) {
  Json entries = Json::array();
  for (int i = 0; i < 20000; ++i) entries.push_back(entry("10.0.0.1", {"n" + std::to_string(i)}));
  EXPECT_EQ(entriesFrom(entries).size(), 20000u);
  entries.push_back(entry("10.0.0.1", {"one-more"}));
  EXPECT_EQ(badEntriesError(entries), "entries: 20001 entries, at most 20000");
}

}  // namespace
}  // namespace drover::agents::naming
