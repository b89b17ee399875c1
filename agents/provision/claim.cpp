#include "agents/provision/claim.hpp"

namespace drover::agents::provision {

Json toJson(const Claim& claim) {
  return {{"owner", claim.owner},
          {"claimed_at_ms", claim.claimedAtMs},
          {"expires_at_ms", claim.expiresAtMs}};
}

std::optional<Claim> claimFromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  auto owner = json.find("owner");
  auto expires = json.find("expires_at_ms");
  if (owner == json.end() || !owner->is_string() || expires == json.end() ||
      !expires->is_number_integer()) {
    return std::nullopt;
  }
  Claim claim;
  claim.owner = owner->get<std::string>();
  claim.expiresAtMs = expires->get<std::int64_t>();
  claim.claimedAtMs = json.value("claimed_at_ms", std::int64_t{0});
  return claim;
}

ClaimDecision decideClaim(const std::optional<Claim>& current, const std::string& owner,
                          std::chrono::seconds lease, std::int64_t nowMs) {
  std::int64_t expires =
      nowMs + std::chrono::duration_cast<std::chrono::milliseconds>(lease).count();
  bool live = current && !current->expired(nowMs);
  if (live && current->owner != owner) return {false, false, *current};
  bool renewed = live && current->owner == owner;
  Claim holder{owner, renewed ? current->claimedAtMs : nowMs, expires};
  std::string takenFrom = current && !live && current->owner != owner ? current->owner : "";
  return {true, renewed, holder, takenFrom};
}

ReleaseDecision decideRelease(const std::optional<Claim>& current, const std::string& owner,
                              std::int64_t nowMs) {
  if (!current) return ReleaseDecision::NotHeld;
  if (current->owner == owner) return ReleaseDecision::Released;
  return current->expired(nowMs) ? ReleaseDecision::NotHeld : ReleaseDecision::HeldByOther;
}

ClaimBook::ClaimBook(StateStore& store, Clock now) : store_(store), now_(std::move(now)) {}

ClaimDecision ClaimBook::claim(const std::string& owner, std::chrono::seconds lease) {
  ClaimDecision decision;
  store_.update([&](Json& state) {
    auto current = claimFromJson(state.value("claim", Json()));
    decision = decideClaim(current, owner, lease, now_());
    if (decision.granted) state["claim"] = toJson(decision.holder);
  });
  return decision;
}

std::pair<ReleaseDecision, std::optional<Claim>> ClaimBook::release(const std::string& owner) {
  std::pair<ReleaseDecision, std::optional<Claim>> result{ReleaseDecision::NotHeld, std::nullopt};
  store_.update([&](Json& state) {
    result.second = claimFromJson(state.value("claim", Json()));
    result.first = decideRelease(result.second, owner, now_());
    if (result.first != ReleaseDecision::HeldByOther) state.erase("claim");
  });
  return result;
}

std::optional<Claim> ClaimBook::current() const {
  auto claim = claimFromJson(store_.read().value("claim", Json()));
  if (claim && claim->expired(now_())) return std::nullopt;
  return claim;
}

}  // namespace drover::agents::provision
