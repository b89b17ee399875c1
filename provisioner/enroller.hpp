#pragma once
// The provisioner's half of first-boot enrolment (core/security/enrolment.hpp): check
// the proof a node sent with its CSR against the provisioning tokens this provisioner
// accepts, and certify the CSR as a node certificate with the collective's CA.
//
// The CA issues one live certificate per name, so a certificate issued before a
// restart cannot simply be issued again: the engine keeps what it issued (in the
// node's history) and passes it back as `previous`; it is handed out again when it is
// still live at the CA and certifies the CSR's key. Otherwise a live certificate for
// the name is an error naming it: nothing is revoked behind the operator's back.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/security/ca.hpp"
#include "core/security/enrolment.hpp"

namespace drover::provisioner {

/// A certificate handed to an enrolling node.
struct IssuedIdentity {
  std::string certificatePem;
  std::string fingerprint;  // lowercase hex SHA-256 of the DER certificate
  std::string tokenSource;  // file of the token the proof was made with
  bool reused = false;      // issued before (a restart mid-enrolment), not signed now
};

class Enroller {
 public:
  /// The proof did not check out (wrong or expired token, CSR for another name): the
  /// node gets nothing. Retrying cannot help.
  class Refused : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };
  /// The proof was good but no certificate could be issued (a live certificate of
  /// another key, a broken CA directory). Retrying cannot help either.
  class CannotIssue : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  virtual ~Enroller() = default;

  /// Checks the proof first, always; then re-uses `previous` when it fits, else signs.
  /// Throws Refused or CannotIssue. Thread safe.
  virtual IssuedIdentity certify(const std::string& identity, const std::string& requestId,
                                 const std::string& csrPem, const std::string& proof,
                                 const std::optional<std::string>& previous,
                                 std::int64_t nowMs) = 0;
};

/// Enroller over token files and a CA directory (provisioner.yaml enrolment.*).
class CaEnroller : public Enroller {
 public:
  /// Reads every token file and opens the CA. Throws std::runtime_error naming the
  /// file or directory at fault.
  CaEnroller(const std::vector<std::filesystem::path>& tokenFiles,
             const std::filesystem::path& caDir);

  IssuedIdentity certify(const std::string& identity, const std::string& requestId,
                         const std::string& csrPem, const std::string& proof,
                         const std::optional<std::string>& previous, std::int64_t nowMs) override;

  std::size_t tokenCount() const { return tokens_.size(); }

 private:
  bool reusable(const std::string& identity, const std::string& csrPem,
                const std::string& certificatePem, std::int64_t nowMs, std::string& fingerprint);

  std::vector<security::ProvisioningToken> tokens_;
  std::mutex mutex_;  // one signing at a time in this process; the CA locks across processes
  security::CertificateAuthority ca_;
};

}  // namespace drover::provisioner
