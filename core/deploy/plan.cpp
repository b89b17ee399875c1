#include "core/deploy/plan.hpp"

#include <algorithm>
#include <set>

namespace drover::deploy {
namespace {

const char* const kStateNames[] = {"launching", "running", "failed", "stopping", "gone"};

bool counts(MemberState state) {
  return state == MemberState::Launching || state == MemberState::Running ||
         state == MemberState::Failed;
}

// The member's number in its pool (master 0), or -1 for a name not of this pool.
int numberOf(const Pool& pool, const std::string& name) {
  auto parsed = naming::parseName(name);
  if (!parsed || parsed->service != pool.service) return -1;
  return parsed->number;
}

// True when `a` is to stop before `b`.
bool stopsBefore(const Pool& pool, const SlotRecord& a, const SlotRecord& b) {
  if (a.name.empty() != b.name.empty()) return a.name.empty();
  if (a.name.empty()) return a.slot > b.slot;
  int numberA = numberOf(pool, a.name), numberB = numberOf(pool, b.name);
  if (numberA != numberB) return numberA > numberB;
  return a.slot > b.slot;
}

std::vector<int> freeSlots(const std::vector<SlotRecord>& records, int wanted) {
  std::set<int> held;
  for (const auto& record : records) {
    if (record.state != MemberState::Gone) held.insert(record.slot);
  }
  std::vector<int> out;
  for (int slot = 0; static_cast<int>(out.size()) < wanted; ++slot) {
    if (!held.contains(slot)) out.push_back(slot);
  }
  return out;
}

}  // namespace

std::optional<MemberState> memberStateFrom(const std::string& text) {
  for (int i = 0; i < 5; ++i) {
    if (text == kStateNames[i]) return static_cast<MemberState>(i);
  }
  return std::nullopt;
}

std::string toString(MemberState state) { return kStateNames[static_cast<int>(state)]; }

std::string slotIdentity(const std::string& deployment, const std::string& pool, int slot) {
  return deployment + "-" + pool + "-" + std::to_string(slot);
}

PoolPlan planPool(const Pool& pool, const std::vector<SlotRecord>& records) {
  std::vector<SlotRecord> live;
  std::copy_if(records.begin(), records.end(), std::back_inserter(live),
               [](const SlotRecord& record) { return counts(record.state); });
  PoolPlan plan;
  int count = static_cast<int>(live.size());
  if (count < pool.count) plan.launch = freeSlots(records, pool.count - count);
  if (count <= pool.count) return plan;
  std::sort(live.begin(), live.end(),
            [&](const SlotRecord& a, const SlotRecord& b) { return stopsBefore(pool, a, b); });
  for (int i = 0; i < count - pool.count; ++i)
    plan.stop.push_back(live[static_cast<std::size_t>(i)].identity);
  return plan;
}

StageDecision decideStage(int stage, const std::string& digest,
                          const std::vector<StageRecord>& records, bool retryFailed) {
  bool failed = false;
  for (const auto& record : records) {
    if (record.stage != stage || record.digest != digest) continue;
    if (record.exitCode == 0) return StageDecision::Done;
    failed = true;
  }
  if (failed && !retryFailed) return StageDecision::Failed;
  return StageDecision::Run;
}

std::optional<NextStage> nextStage(const std::vector<Stage>& stages,
                                   const std::vector<StageRecord>& records, bool retryFailed) {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    int stage = static_cast<int>(i);
    auto decision = decideStage(stage, stages[i].blob.digest, records, retryFailed);
    if (decision != StageDecision::Done) return NextStage{stage, decision};
  }
  return std::nullopt;
}

}  // namespace drover::deploy
