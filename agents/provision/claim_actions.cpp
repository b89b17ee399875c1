// provision#claim and provision#release: the provisioning claim this node holds for
// one provisioner at a time. A refusal is a failed reply that still names the holder
// and its expiry in the outputs, so the caller can tell whom to wait for.
#include <fmt/format.h>

#include "agents/provision/actions.hpp"

namespace drover::agents::provision {
namespace {

constexpr std::int64_t kMaxLeaseSeconds = 7 * 24 * 3600;

Json claimData(const Claim& holder, std::int64_t nowMs) {
  return {
      {"owner", holder.owner},
      {"expires_at", (holder.expiresAtMs + 999) / 1000},
      {"lease_remaining", std::max<std::int64_t>(0, (holder.expiresAtMs - nowMs + 999) / 1000)}};
}

}  // namespace

Reply claim(const Request& request, ProvisionContext& context) {
  const std::string owner = request.args.value("owner", "");
  const std::int64_t lease = request.args.value("lease_seconds", std::int64_t{0});
  if (lease < 1 || lease > kMaxLeaseSeconds) {
    throw ActionError(
        envelope::StatusCode::InvalidData,
        fmt::format("lease_seconds must be between 1 and {}, got {}", kMaxLeaseSeconds, lease));
  }
  ClaimDecision decision = context.claims().claim(owner, std::chrono::seconds(lease));
  const std::int64_t now = context.nowMs();
  Json data = claimData(decision.holder, now);
  data["granted"] = decision.granted;
  data["renewed"] = decision.renewed;
  data["taken_over_from"] = decision.takenFrom;
  if (decision.granted) return {{}, std::move(data)};
  return {{envelope::StatusCode::Aborted,
           fmt::format("provisioning of this node is claimed by {} for {} more s",
                       decision.holder.owner, data["lease_remaining"].get<std::int64_t>())},
          std::move(data)};
}

Reply release(const Request& request, ProvisionContext& context) {
  const std::string owner = request.args.value("owner", "");
  auto [decision, before] = context.claims().release(owner);
  if (decision == ReleaseDecision::HeldByOther) {
    return {
        {envelope::StatusCode::Aborted, "the claim is held by " + before->owner + ", not " + owner},
        {{"released", false}, {"owner", before->owner}}};
  }
  return {{}, {{"released", decision == ReleaseDecision::Released}, {"owner", owner}}};
}

}  // namespace drover::agents::provision
