// Resume decisions: which slots to launch and which members to stop for a pool's count,
// and whether a bootstrap stage runs given the recorded results.
#include <gtest/gtest.h>

#include "core/deploy/plan.hpp"

namespace drover::deploy {
namespace {

using State = MemberState;

Pool pool(int count, naming::ServiceType type = naming::ServiceType::Iterative) {
  Pool p;
  p.name = "worker";
  p.service = "worker";
  p.type = type;
  p.count = count;
  return p;
}

SlotRecord record(int slot, const std::string& name, State state) {
  return SlotRecord{slot, slotIdentity("shop", "worker", slot), name, state};
}

TEST(DeployPlan, SlotIdentities) { EXPECT_EQ(slotIdentity("shop", "db", 3), "shop-db-3"); }

TEST(DeployPlan, AFreshPoolLaunchesTheFirstSlots) {
  EXPECT_EQ(planPool(pool(3), {}).launch, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(planPool(pool(0), {}).launch.empty());
}

TEST(DeployPlan, ResumingLaunchesOnlyWhatIsMissing) {
  std::vector<SlotRecord> records{record(0, "worker-0", State::Running),
                                  record(1, "", State::Launching), record(2, "", State::Failed)};
  PoolPlan plan = planPool(pool(3), records);
  EXPECT_TRUE(plan.launch.empty());
  EXPECT_TRUE(plan.stop.empty());
}

TEST(DeployPlan, GoneSlotsAreFreeStoppingOnesAreHeldButDoNotCount) {
  std::vector<SlotRecord> records{record(0, "worker-0", State::Running),
                                  record(1, "worker-1", State::Gone),
                                  record(2, "worker-2", State::Stopping)};
  EXPECT_EQ(planPool(pool(3), records).launch, (std::vector<int>{1, 3}));
}

TEST(DeployPlan, GrowingLaunchesTheLowestFreeSlots) {
  std::vector<SlotRecord> records{record(0, "worker-0", State::Running),
                                  record(2, "worker-1", State::Running)};
  EXPECT_EQ(planPool(pool(5), records).launch, (std::vector<int>{1, 3, 4}));
}

TEST(DeployPlan, ShrinkingStopsUnnamedThenHighestNames) {
  std::vector<SlotRecord> records{
      record(0, "worker-0", State::Running), record(1, "worker-10", State::Running),
      record(2, "worker-2", State::Running), record(3, "", State::Launching),
      record(4, "worker-1", State::Failed),  record(5, "", State::Launching)};
  PoolPlan plan = planPool(pool(2), records);
  EXPECT_TRUE(plan.launch.empty());
  EXPECT_EQ(plan.stop, (std::vector<std::string>{"shop-worker-5", "shop-worker-3", "shop-worker-1",
                                                 "shop-worker-2"}));
}

TEST(DeployPlan, AMasterfulPoolStopsItsMasterLast) {
  Pool db = pool(0, naming::ServiceType::Masterful);
  db.service = "db";
  std::vector<SlotRecord> records{record(0, "db-master", State::Running),
                                  record(1, "db-slave-2", State::Running),
                                  record(2, "db-slave-1", State::Running)};
  EXPECT_EQ(planPool(db, records).stop,
            (std::vector<std::string>{"shop-worker-1", "shop-worker-2", "shop-worker-0"}));
}

TEST(DeployPlan, MemberStatesReadBack) {
  for (State s : {State::Launching, State::Running, State::Failed, State::Stopping, State::Gone}) {
    EXPECT_EQ(memberStateFrom(toString(s)), s);
  }
  EXPECT_EQ(toString(State::Stopping), "stopping");
  EXPECT_EQ(memberStateFrom("up"), std::nullopt);
}

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');

TEST(DeployStages, AStageWithoutRecordRuns) {
  EXPECT_EQ(decideStage(0, kD1, {}, false), StageDecision::Run);
  EXPECT_EQ(decideStage(1, kD1, {{0, kD1, 0}}, false), StageDecision::Run);
}

TEST(DeployStages, AFinishedStageIsNotRunAgainUnlessItsBundleChanged) {
  std::vector<StageRecord> records{{0, kD1, 0}};
  EXPECT_EQ(decideStage(0, kD1, records, false), StageDecision::Done);
  EXPECT_EQ(decideStage(0, kD1, records, true), StageDecision::Done);
  EXPECT_EQ(decideStage(0, kD2, records, false), StageDecision::Run);
}

TEST(DeployStages, AFailedStageRunsAgainOnlyWhenAsked) {
  std::vector<StageRecord> records{{0, kD1, 3}};
  EXPECT_EQ(decideStage(0, kD1, records, false), StageDecision::Failed);
  EXPECT_EQ(decideStage(0, kD1, records, true), StageDecision::Run);
  records.push_back({0, kD1, 0});
  EXPECT_EQ(decideStage(0, kD1, records, false), StageDecision::Done);
}

TEST(DeployStages, NextStageIsTheFirstNotDone) {
  std::vector<Stage> stages(3);
  stages[0].blob.digest = kD1;
  stages[1].blob.digest = kD2;
  stages[2].blob.digest = kD1;
  EXPECT_EQ(nextStage(stages, {}, false)->stage, 0);
  auto next = nextStage(stages, {{0, kD1, 0}, {1, kD2, 1}}, false);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->stage, 1);
  EXPECT_EQ(next->decision, StageDecision::Failed);
  EXPECT_EQ(nextStage(stages, {{0, kD1, 0}, {1, kD2, 1}}, true)->decision, StageDecision::Run);
  EXPECT_EQ(nextStage(stages, {{0, kD1, 0}, {1, kD2, 0}, {2, kD1, 0}}, false), std::nullopt);
  EXPECT_EQ(nextStage({}, {}, false), std::nullopt);
}

}  // namespace
}  // namespace drover::deploy
