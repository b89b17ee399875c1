// Master selection (most specific fact first, then load, then name; fallback; none)
// and master health (heartbeat age, failed calls).
#include <gtest/gtest.h>

#include "provisioner/masters.hpp"

namespace drover::provisioner {
namespace {

const std::vector<std::string> kOrder{"region", "country", "continent"};

MasterCandidate master(std::string name, Json facts, int inFlight = 0) {
  return {std::move(name), std::move(facts), inFlight};
}

Json node(std::string region, std::string country, std::string continent) {
  return {{"region", region}, {"country", country}, {"continent", continent}};
}

TEST(SelectMaster, SameRegionWins) {
  std::vector<MasterCandidate> masters{
      master("pm-us", node("us-east-1", "us", "na")),
      master("pm-eu", node("eu-west-1", "ie", "eu")),
  };
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-eu");
  EXPECT_EQ(selectMaster(node("us-east-1", "us", "na"), masters, kOrder), "pm-us");
}

TEST(SelectMaster, AnEarlierFactIsNeverOverriddenByALaterOne) {
  // pm-b agrees on country and continent, pm-a only on region: region is more specific.
  std::vector<MasterCandidate> masters{
      master("pm-b", node("eu-central-1", "ie", "eu")),
      master("pm-a", node("eu-west-1", "fr", "asia")),
  };
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-a");
}

TEST(SelectMaster, FallsBackToLessSpecificFacts) {
  std::vector<MasterCandidate> masters{
      master("pm-us", node("us-east-1", "us", "na")),
      master("pm-de", node("eu-central-1", "de", "eu")),
  };
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-de");
}

TEST(SelectMaster, TiesGoToFewestInFlightThenName) {
  std::vector<MasterCandidate> masters{
      master("pm-2", node("eu-west-1", "ie", "eu"), 3),
      master("pm-1", node("eu-west-1", "ie", "eu"), 5),
      master("pm-3", node("eu-west-1", "ie", "eu"), 3),
  };
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-2");
  masters[0].inFlight = 9;
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-3");
}

TEST(SelectMaster, NoMatchTakesTheLeastBusyMaster) {
  std::vector<MasterCandidate> masters{
      master("pm-us", node("us-east-1", "us", "na"), 4),
      master("pm-ap", node("ap-south-1", "in", "asia"), 1),
  };
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), masters, kOrder), "pm-ap");
  // A node without any of the facts is matched by nothing, not by masters lacking them too.
  std::vector<MasterCandidate> bare{master("pm-x", Json::object(), 2),
                                    master("pm-y", Json::object(), 0)};
  EXPECT_EQ(selectMaster(Json::object(), bare, kOrder), "pm-y");
}

TEST(SelectMaster, NoMastersMeansNoChoice) {
  EXPECT_EQ(selectMaster(node("eu-west-1", "ie", "eu"), {}, kOrder), std::nullopt);
}

TEST(SelectMaster, NestedFactsAndTypes) {
  std::vector<MasterCandidate> masters{master("pm-1", {{"site", {{"dc", 7}}}}),
                                       master("pm-2", {{"site", {{"dc", "7"}}}})};
  EXPECT_EQ(selectMaster({{"site", {{"dc", 7}}}}, masters, {"site.dc"}), "pm-1");
  EXPECT_EQ(matchRank({{"site", {{"dc", "7"}}}}, masters[0].facts, {"site.dc"}), 1u);
}

TEST(MasterDirectory, HeartbeatAgeAndFailures) {
  MasterDirectory directory(1000, 2);
  directory.seen("pm", {{"region", "r"}}, 10'000);
  EXPECT_TRUE(directory.healthy("pm", 10'500));
  EXPECT_FALSE(directory.healthy("pm", 11'001));  // registrations stopped
  directory.seen("pm", {{"region", "r"}}, 11'000);
  directory.failed("pm", 11'100);
  EXPECT_TRUE(directory.healthy("pm", 11'200));
  directory.failed("pm", 11'200);
  EXPECT_FALSE(directory.healthy("pm", 11'300));  // two failed calls in a row
  EXPECT_TRUE(directory.candidates(11'300).empty());
  directory.answered("pm");
  EXPECT_TRUE(directory.healthy("pm", 11'300));
  EXPECT_FALSE(directory.healthy("unknown", 11'300));
}

TEST(MasterDirectory, CandidatesCarryLoad) {
  MasterDirectory directory(1000, 2);
  directory.seen("b", Json::object(), 0);
  directory.seen("a", Json::object(), 0);
  directory.addInFlight("b", 2);
  auto candidates = directory.candidates(10);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[0].identity, "a");
  EXPECT_EQ(candidates[1].inFlight, 2);
}

}  // namespace
}  // namespace drover::provisioner
