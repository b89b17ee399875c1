#pragma once
// First-boot enrolment (DESIGN.md, "Security"). A node image carries the collective's
// CA certificate and a provisioning token, never a key of its own:
//
//   1. the provisioner (a `.provisioner` certificate, which the node verifies against
//      the CA) calls provision#enrol on the new node;
//   2. the node makes an Ed25519 key and a CSR for its identity and answers with the
//      CSR and a proof: HMAC-SHA256 under the token over the node's identity, the
//      request id and the CSR. The token itself never crosses the bus, and a proof
//      cannot be replayed for another request, node or key;
//   3. the provisioner checks the proof against the tokens it accepts and their
//      expiry, signs the CSR as a node certificate, and calls
//      provision#install_certificate; from then on the node signs its replies.
//
// A wrong or expired token gets no certificate (the provisioner's check), and a node
// whose own token has expired refuses to enrol at all.
//
// Token file (YAML, mode 0600):
//     token: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//     expires: 2026-12-01T00:00:00Z     # optional, UTC
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace drover::security {

/// An enrolment that must not go ahead; the message says which check failed.
class EnrolmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProvisioningToken {
  std::string secret;                     // at least 16 bytes of text
  std::optional<std::int64_t> expiresMs;  // none: does not expire
  std::string source;                     // file it came from, for messages

  /// Reads a token file. Throws EnrolmentError naming the file and what is wrong.
  static ProvisioningToken load(const std::filesystem::path& file);

  /// Parses token file text; `source` names it in errors. Throws EnrolmentError.
  static ProvisioningToken parse(std::string_view text, const std::string& source);

  /// A new random token (32 random bytes, hex) valid for `validDays` (0: forever).
  static ProvisioningToken generate(int validDays);

  /// The file text of this token.
  std::string toYaml() const;

  bool expired(std::int64_t nowMs) const { return expiresMs && nowMs >= *expiresMs; }
};

/// The proof a node sends with its CSR (lowercase hex HMAC-SHA256). Throws OpenSslError.
std::string enrolmentProof(const ProvisioningToken& token, std::string_view identity,
                           std::string_view requestId, std::string_view csrPem);

/// The provisioner's check: some unexpired token in `accepted` yields `proof` for this
/// identity, request and CSR, and the CSR names `identity`. Returns the token's source.
/// Throws EnrolmentError: "wrong provisioning token", "provisioning token expired",
/// or a CSR for another name.
std::string checkEnrolment(const std::vector<ProvisioningToken>& accepted,
                           std::string_view identity, std::string_view requestId,
                           std::string_view csrPem, std::string_view proof, std::int64_t nowMs);

}  // namespace drover::security
