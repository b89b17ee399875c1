#pragma once
// The provisioning claim a node holds for itself, so that with several provisioners
// exactly one handles it. A claim is granted when nobody holds it, when the lease ran
// out, or to its own holder (a renewal); only the holder may release it. A holder
// that dies is replaced once its lease expires, so a node is never stuck.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "agents/provision/state_store.hpp"
#include "core/util/json.hpp"

namespace drover::agents::provision {

struct Claim {
  std::string owner;
  std::int64_t claimedAtMs = 0;  // when this owner first got it (kept over renewals)
  std::int64_t expiresAtMs = 0;

  bool expired(std::int64_t nowMs) const { return nowMs >= expiresAtMs; }
};

Json toJson(const Claim& claim);
/// nullopt for null or anything that is not a claim object.
std::optional<Claim> claimFromJson(const Json& json);

struct ClaimDecision {
  bool granted = false;
  bool renewed = false;  // granted to the owner that already held it
  Claim holder;          // who holds the claim afterwards
  // Granted over another owner's claim that ran out without a release: that owner
  // stopped mid-flow (killed, cut off), and the new holder takes over what it did.
  std::string takenFrom;
};

ClaimDecision decideClaim(const std::optional<Claim>& current, const std::string& owner,
                          std::chrono::seconds lease, std::int64_t nowMs);

enum class ReleaseDecision {
  Released,    // the owner held it (expired or not): now free
  NotHeld,     // nobody holds a live claim: nothing to do
  HeldByOther  // refused
};

ReleaseDecision decideRelease(const std::optional<Claim>& current, const std::string& owner,
                              std::int64_t nowMs);

/// Claims kept in the node's StateStore. Thread safe (the store serialises updates).
class ClaimBook {
 public:
  using Clock = std::function<std::int64_t()>;  // wall-clock ms since the epoch

  ClaimBook(StateStore& store, Clock now);

  ClaimDecision claim(const std::string& owner, std::chrono::seconds lease);
  /// The decision and the claim as it was before (for naming its holder).
  std::pair<ReleaseDecision, std::optional<Claim>> release(const std::string& owner);
  /// The live claim, if any.
  std::optional<Claim> current() const;
  std::int64_t now() const { return now_(); }

 private:
  StateStore& store_;
  Clock now_;
};

}  // namespace drover::agents::provision
