// What `drover deploy` prints and how `deploy up` ends (cli/commands/deploy_text.hpp),
// from the provisioner's JSON (DEPLOY_SPEC "Provisioner control actions").
#include "cli/commands/deploy_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Json member(const std::string& identity, const std::string& name, const std::string& step,
            const std::string& state) {
  return Json{{"identity", identity},
              {"pool", "db"},
              {"name", name},
              {"address", name.empty() ? "" : "10.213.0.5"},
              {"step", step},
              {"state", state},
              {"waiting_for", Json::array()},
              {"error", ""},
              {"stages", Json::array()}};
}

Json stage(int number, int exitCode, const std::string& tail = "") {
  return Json{
      {"stage", number}, {"exit_code", exitCode}, {"duration_ms", 420}, {"output_tail", tail}};
}

Json status(const std::string& state, Json members, int version = 3) {
  return Json{{"name", "shop"}, {"state", state}, {"version", version}, {"members", members}};
}

TEST(DeployText, MemberLineShowsStepStateWaitsAndTheNewestStage) {
  Json app = member("shop-app-0", "app-0", "configure", "waiting");
  app["waiting_for"] = {"db-master.address", "worker-*.name"};
  EXPECT_EQ(memberLine(app),
            "shop-app-0 app-0: waiting (configure); waiting for db-master.address, worker-*.name");
  Json db = member("shop-db-0", "db-master", "stage-1", "running");
  db["stages"] = {stage(0, 0), stage(1, 0)};
  EXPECT_EQ(memberLine(db), "shop-db-0 db-master: running (stage-1); stage 1 exit 0 in 420 ms");
  EXPECT_EQ(memberLine(Json::object()), "- -: -");
  EXPECT_EQ(memberLine(member("shop-db-0", "db-master", "done", "done")),
            "shop-db-0 db-master: done");
}

TEST(DeployText, ProgressLinesNameOnlyNewChangedAndGoneMembers) {
  Json before = status("running", {member("shop-db-0", "", "launch", "launching"),
                                   member("shop-db-1", "", "launch", "launching"),
                                   member("shop-app-0", "app-0", "stages", "running")});
  Json after = status("running", {member("shop-db-0", "db-master", "name", "running"),
                                  member("shop-db-1", "", "launch", "launching"),
                                  member("shop-worker-0", "", "launch", "launching")});
  EXPECT_THAT(progressLines(before, after),
              ElementsAre("shop-db-0 db-master: running (name)",
                          "shop-worker-0 -: launching (launch)", "shop-app-0: gone"));
  EXPECT_THAT(progressLines(after, after), IsEmpty());
  EXPECT_EQ(progressLines(Json::object(), after).size(), 3u);
}

TEST(DeployText, StatusTableHasAColumnPerFieldAndFailuresBelow) {
  Json waiting = member("shop-app-0", "app-0", "configure", "waiting");
  waiting["waiting_for"] = {"db-master.address"};
  Json failed = member("shop-db-0", "db-master", "stage-1", "failed");
  failed["stages"] = {stage(0, 0), stage(1, 3, "creating schema\nERROR: disk full\n")};
  std::string text = statusText(status("running", {waiting, failed}));
  EXPECT_EQ(text,
            "deployment shop: running, 2 member(s)\n"
            "MEMBER      NAME       ADDRESS     STEP                 WAITING FOR\n"
            "shop-app-0  app-0      10.213.0.5  waiting (configure)  db-master.address\n"
            "shop-db-0   db-master  10.213.0.5  failed (stage-1)     failed: stage 1 exit 3\n"
            "\n"
            "shop-db-0 (db-master) failed: stage 1 exit 3 in 420 ms; output tail:\n"
            "    creating schema\n"
            "    ERROR: disk full\n");
}

TEST(DeployText, AMemberFailedWithoutAStageShowsItsError) {
  Json failed = member("shop-db-1", "", "launch", "failed");
  failed["error"] = "launcher: no free address in 10.213.0.0/24";
  EXPECT_THAT(statusTable(Json::array({failed})),
              HasSubstr("failed: launcher: no free address in 10.213.0.0/24"));
  EXPECT_EQ(failureText(failed),
            "shop-db-1 (-) failed: launcher: no free address in 10.213.0.0/24\n");
}

TEST(DeployText, AShortReplyShowsDashes) {
  EXPECT_EQ(statusText(Json::object()),
            "deployment -: -, 0 member(s)\n"
            "MEMBER  NAME  ADDRESS  STEP  WAITING FOR\n");
  EXPECT_EQ(statusTable(Json::array({Json::object()})),
            "MEMBER  NAME  ADDRESS  STEP  WAITING FOR\n-       -     -        -     -\n");
}

TEST(DeployText, ListUpAndDownReplies) {
  EXPECT_EQ(listTable(Json::array(
                {Json{{"name", "shop"}, {"state", "running"}, {"members", 7}, {"done", 4}}})),
            "NAME  STATE    MEMBERS  DONE\nshop  running  7        4\n");
  EXPECT_EQ(upText(Json{{"deployment", "shop"},
                        {"launched", {"shop-db-0", "shop-db-1"}},
                        {"stopping", Json::array()},
                        {"members", 7}}),
            "deployment shop: 7 member(s); launched 2: shop-db-0, shop-db-1; stopping 0");
  EXPECT_EQ(downText(Json{{"stopped", {"shop-db-0"}}, {"released", {"db-master"}}}),
            "stopped 1: shop-db-0; released 1: db-master");
  EXPECT_EQ(downText(Json::object()), "stopped 0; released 0");
}

TEST(DeployText, UpEndsZeroWhenDoneOneWhenAMemberFailedAndGoesOnOtherwise) {
  EXPECT_EQ(outcomeOf(status("done", {member("shop-db-0", "db-master", "done", "done")})), 0);
  EXPECT_EQ(outcomeOf(status("failed", Json::array())), 1);
  // A failed member ends the wait even while the others go on.
  EXPECT_EQ(outcomeOf(status("running", {member("shop-db-0", "db-master", "stage-0", "failed"),
                                         member("shop-db-1", "", "launch", "launching")})),
            1);
  EXPECT_EQ(outcomeOf(status("running", {member("shop-db-0", "", "launch", "launching")})),
            std::nullopt);
  EXPECT_EQ(outcomeOf(status("stopping", Json::array())), std::nullopt);
  EXPECT_EQ(outcomeOf(Json::object()), std::nullopt);
  EXPECT_THAT(statusText(status("done", Json::array())), Not(HasSubstr("failed")));
}

}  // namespace
}  // namespace drover::cli
