#pragma once
// The collective's certificate authority: a directory holding
//
//   ca.key   Ed25519 private key, mode 0600      ca.crt   self-signed CA certificate
//   serial   next serial number (hex)            index    issued certificates (ca_index.hpp)
//   crl.pem  the signed CRL nodes load           .lock    flock(2) target
//
// Every change (sign, revoke, refreshCrl) takes the lock, rereads `serial` and `index`
// from disk and replaces files atomically, so several processes may use one directory.
//
// Role and name rules are in roles.hpp. One name has at most one live certificate
// (neither revoked nor expired): sign() refuses a second one until the first is
// revoked, so a stolen key cannot quietly be replaced by a fresh certificate of the
// same name and a revocation always names exactly what it disables.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/security/ca_index.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/security/roles.hpp"

namespace drover::security {

class CertificateAuthority {
 public:
  /// A refused request: bad CSR, name not fitting the role, name already live,
  /// nothing to revoke, or a directory that does not hold (or already holds) a CA.
  class Error : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  static constexpr int kDefaultCaDays = 3650;
  static constexpr int kDefaultCertificateDays = 365;
  /// Every CRL the CA writes is valid this long; verifiers refuse everything once it
  /// has passed, so re-sign it (refreshCrl) well before.
  static constexpr int kCrlValidityDays = 365;

  struct IssueOptions {
    int validityDays = kDefaultCertificateDays;
    /// Overrides, for tests: default notBefore is now minus 5 minutes (clock skew),
    /// notAfter is notBefore plus validityDays.
    std::optional<std::int64_t> notBeforeMs;
    std::optional<std::int64_t> notAfterMs;
  };

  /// Creates a new CA named `name` in `dir` (created with mode 0700 if missing).
  /// Throws Error if `dir` already holds ca.key, OpenSslError, std::runtime_error (I/O).
  static CertificateAuthority create(const std::filesystem::path& dir, const std::string& name,
                                     int validityDays = kDefaultCaDays);

  /// Opens the CA in `dir`. Throws Error if ca.key or ca.crt is missing or they do not
  /// match, OpenSslError, std::runtime_error (I/O).
  static CertificateAuthority load(const std::filesystem::path& dir);

  /// Issues a certificate for the CSR's name in `role`; returns it as PEM.
  /// Throws Error (see class comment), OpenSslError, std::runtime_error (I/O).
  std::string sign(std::string_view csrPem, Role role, const IssueOptions& options);
  std::string sign(std::string_view csrPem, Role role) { return sign(csrPem, role, {}); }

  /// Revokes every unrevoked certificate of `name` and re-signs the CRL.
  /// Throws Error if `name` has none, OpenSslError, std::runtime_error (I/O).
  void revoke(const std::string& name);

  /// Re-signs the CRL with a fresh nextUpdate. Throws OpenSslError, std::runtime_error.
  void refreshCrl();

  /// Every certificate issued, oldest first. Throws std::runtime_error (I/O, bad index).
  std::vector<IssuedCertificate> issued() const;

  /// PEM of the CA certificate (what nodes trust). Throws OpenSslError.
  std::string certificatePem() const;

  /// PEM of the current CRL. Throws std::runtime_error (I/O).
  std::string crlPem() const;

  const std::filesystem::path& directory() const { return dir_; }

  /// Where the CA certificate and the current CRL live: the files nodes are pointed at.
  std::filesystem::path certificateFile() const;
  std::filesystem::path crlFile() const;

 private:
  CertificateAuthority(std::filesystem::path dir, PkeyPtr key, X509Ptr cert);
  std::filesystem::path file(const char* name) const { return dir_ / name; }
  void writeCrl(const std::vector<IssuedCertificate>& index, std::int64_t nowMs) const;
  X509Ptr issueLocked(X509_REQ* csr, const std::string& name, Role role,
                      const IssueOptions& options);

  std::filesystem::path dir_;
  PkeyPtr key_;
  X509Ptr cert_;
};

}  // namespace drover::security
