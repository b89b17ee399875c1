// `drover name` against a real drover-provisioner (provisioner#names, name_show,
// name_reserve, name_release, name_promote): what an operator sees, the dry run that
// changes nothing, refusals with the provisioner's message, and no provisioner at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/json.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class NameCli : public ::testing::Test {
 protected:
  NameCli() : provisioner(fleet, "names.provisioner") { provisioner.start(); }

  Result drover(std::vector<std::string> args) {
    args.insert(args.end(), {"--provisioner", provisioner.name()});
    return fleet.drover(args);
  }

  Fleet fleet;
  Provisioner provisioner;
};

TEST_F(NameCli, ReserveDryRunChangesNothingAndReserveShowsInListAndShow) {
  Result dry = drover({"name", "reserve", "web-4", "--node", "node-9", "--dry-run"});
  ASSERT_EQ(dry.exitCode, 0) << dry << provisioner.log();
  EXPECT_THAT(dry.out, HasSubstr("would reserve web-4 for node-9; for node 'node-9'\n")) << dry;
  EXPECT_THAT(dry.out, HasSubstr("(dry run: names.provisioner changed nothing)")) << dry;
  Result empty = drover({"name", "list"});
  ASSERT_EQ(empty.exitCode, 0) << empty;
  EXPECT_THAT(empty.out, HasSubstr("provisioner names.provisioner: 0 name(s)")) << empty;
  EXPECT_THAT(empty.out, Not(HasSubstr("web-4"))) << empty;

  Result reserve = drover({"name", "reserve", "web-4", "--node", "node-9"});
  ASSERT_EQ(reserve.exitCode, 0) << reserve;
  EXPECT_THAT(reserve.out, HasSubstr("reserved web-4 for node-9; for node 'node-9'\n")) << reserve;
  Result list = drover({"name", "list", "--service", "web"});
  ASSERT_EQ(list.exitCode, 0) << list;
  EXPECT_THAT(list.out, HasSubstr("provisioner names.provisioner: 1 name(s)")) << list;
  EXPECT_THAT(list.out,
              ContainsRegex("NAME +NODE +ADDRESS +ALIASES +SINCE +LIVE\n"
                            "web-4 +node-9 \\(reserved\\) +- +- +20[0-9-]+T[0-9:.]+Z +no\n"))
      << list;
  Result show = drover({"name", "show", "web-4"});
  ASSERT_EQ(show.exitCode, 0) << show;
  EXPECT_THAT(show.out, HasSubstr("node:       node-9 (reserved)")) << show;
  EXPECT_THAT(show.out, ContainsRegex("reserved +web-4 +node-9 +- +[^ ]+ +for node 'node-9'"))
      << show;
}

TEST_F(NameCli, JsonIsTheProvisionersDataAsReplied) {
  ASSERT_EQ(drover({"name", "reserve", "db-master"}).exitCode, 0);
  Result list = drover({"name", "list", "--json"});
  ASSERT_EQ(list.exitCode, 0) << list;
  Json data = Json::parse(list.out).at("replies").at(0).at("data");
  ASSERT_EQ(data.at("names").size(), 1u) << list;
  EXPECT_EQ(data["names"][0]["name"], "db-master");
  EXPECT_EQ(data["names"][0]["reserved"], true);
  EXPECT_TRUE(data.contains("hosts_version")) << list;
}

TEST_F(NameCli, ReleaseFreesTheNameAndIsInItsHistory) {
  ASSERT_EQ(drover({"name", "reserve", "web-2"}).exitCode, 0);
  Result release = drover({"name", "release", "web-2"});
  ASSERT_EQ(release.exitCode, 0) << release;
  EXPECT_THAT(release.out, ContainsRegex("^released web-2[;\n]")) << release;
  Result show = drover({"name", "show", "web-2"});
  ASSERT_EQ(show.exitCode, 0) << show;
  EXPECT_THAT(show.out, HasSubstr("held by no node now")) << show;
  EXPECT_THAT(show.out, HasSubstr("history (2, oldest first)")) << show;
  EXPECT_THAT(show.out, ContainsRegex("reserved +web-2[^\n]*\n[^\n]*released +web-2")) << show;
}

TEST_F(NameCli, ARefusalIsPrintedWithItsMessageAndFails) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"name", "release", "web-77"}, "web-77"},
      {{"name", "promote", "node-1"}, "node-1"},
      {{"name", "show", "nobody-1"}, "no name, alias or named node 'nobody-1'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    Result result = drover(c.args);
    EXPECT_EQ(result.exitCode, 1) << result;
    EXPECT_THAT(result.out, HasSubstr("names.provisioner: ")) << result;
    EXPECT_THAT(result.out, HasSubstr(c.message)) << result;
  }
}

TEST_F(NameCli, BadArgumentsAreRefusedBeforeAsking) {
  Result upper = fleet.drover({"name", "reserve", "Web-1"});
  EXPECT_EQ(upper.exitCode, 2) << upper;
  EXPECT_THAT(upper.err, HasSubstr("'Web-1' is no service name")) << upper;
  Result service = fleet.drover({"name", "list", "--service", "db--x"});
  EXPECT_EQ(service.exitCode, 2) << service;
  EXPECT_THAT(service.err, HasSubstr("service 'db--x' contains '--'")) << service;
}

TEST_F(NameCli, NoProvisionerAnswered) {
  Result result = fleet.drover({"name", "list", "--provisioner", "prov-gone", "--timeout", "1"});
  EXPECT_EQ(result.exitCode, 4) << result;
  EXPECT_THAT(result.err, HasSubstr("no provisioner answered (silent: prov-gone)")) << result;
}

}  // namespace
}  // namespace drover::integration
