#pragma once
// Resuming a deployment: what to launch and stop per pool, and whether a bootstrap stage
// runs. Pure functions over what the provisioner recorded, so rerunning `up` after a halt
// never launches a member twice nor runs a finished stage again.
//
// Members are slots: member <deployment>-<pool>-<slot> (slot 0, 1, ...). A recorded slot
// that is not gone is held (never launched again); launching, running and failed members
// count toward the pool's count, stopping ones do not. Launch: the lowest free slots, as
// many as the count lacks. Stop, when more count than the pool's count: unnamed members
// first (highest slot first), then the ones holding the highest names (worker-4 before
// worker-3; a masterful pool's master last).
// Stage N with digest D runs unless a record for (N, D) exited 0; one that failed runs
// again only when asked (`up` again), else the member stays failed.
#include <optional>
#include <string>
#include <vector>

#include "core/deploy/deployment.hpp"

namespace drover::deploy {

enum class MemberState { Launching, Running, Failed, Stopping, Gone };

/// "launching", ...; nullopt for any other text.
std::optional<MemberState> memberStateFrom(const std::string& text);
std::string toString(MemberState state);

struct SlotRecord {
  int slot = 0;
  std::string identity;
  std::string name;  // "" until named
  MemberState state = MemberState::Launching;
};

struct PoolPlan {
  std::vector<int> launch;        // slots, lowest first
  std::vector<std::string> stop;  // identities, in the order to stop them
};

/// The identity of a slot: <deployment>-<pool>-<slot>.
std::string slotIdentity(const std::string& deployment, const std::string& pool, int slot);

/// What to do for `pool` given its recorded members.
PoolPlan planPool(const Pool& pool, const std::vector<SlotRecord>& records);

struct StageRecord {
  int stage = 0;
  std::string digest;
  int exitCode = 0;
};

enum class StageDecision {
  Run,     // no record for (stage, digest), or a failed one and asked again
  Done,    // a record for (stage, digest) exited 0: skip it
  Failed,  // a record for (stage, digest) failed and no retry was asked
};

StageDecision decideStage(int stage, const std::string& digest,
                          const std::vector<StageRecord>& records, bool retryFailed);

/// The first of `stages` not Done and its decision; nullopt when every stage is done.
struct NextStage {
  int stage = 0;
  StageDecision decision = StageDecision::Run;
};
std::optional<NextStage> nextStage(const std::vector<Stage>& stages,
                                   const std::vector<StageRecord>& records, bool retryFailed);

}  // namespace drover::deploy
