#pragma once
// Signed requests as a given build of droverd checks them, so that this build's
// benchmark can drive an older droverd for before/after numbers.
//
// A signature covers envelope::signingBytes(): the encoded envelope without `sig`.
// Builds before request targets (commit 68a6626 and older) encode neither `targets`
// nor `request_digest`, and verify by re-encoding what they decoded, so they drop a
// request signed over today's bytes as forged. Layout::BeforeTargets signs and sends
// the older bytes instead: today's encoding with those two keys taken out, which is
// what such a build re-encodes. A request in that layout cannot name targets.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope/envelope.hpp"
#include "core/security/signing.hpp"

namespace drover::bench::flood {

enum class Layout { Current, BeforeTargets };

/// "current" or "before-targets"; nullopt for anything else.
std::optional<Layout> parseLayout(std::string_view name);
std::string_view toString(Layout layout);

/// Signs requests as one principal. Thread safe (const).
class RequestSealer {
 public:
  RequestSealer(std::shared_ptr<const security::Signer> signer, Layout layout);

  /// `request` as sent by the signer: its name as `sender`, its certificate, the
  /// signature, encoded for the wire. In Layout::BeforeTargets `targets` is left out.
  /// Throws as security::signEnvelope and envelope::encode.
  std::string seal(envelope::Envelope request) const;

  Layout layout() const { return layout_; }

 private:
  std::shared_ptr<const security::Signer> signer_;
  Layout layout_;
};

/// `map`, one encoded msgpack map, re-encoded without the entries whose key is one of
/// `keys`; every other entry keeps its bytes. Throws std::invalid_argument if `map` is
/// not exactly one msgpack map.
std::string withoutKeys(std::string_view map, const std::vector<std::string_view>& keys);

}  // namespace drover::bench::flood
