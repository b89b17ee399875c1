#pragma once
// What a process trusts: the collective's CA certificate and its current CRL. Verifies
// peer certificates (chain to the CA, validity at a given time, revocation, Ed25519
// key, role) and caches each success by fingerprint, since every request and reply is
// verified and a chain check costs far more than a hash lookup.
//
// Thread safe: verify() may run on many threads while another calls setCrl()/reload().
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/security/openssl_handles.hpp"
#include "core/security/roles.hpp"
#include "core/security/verify_error.hpp"

namespace drover::security {

/// A certificate that verified: who it names and until when it is good.
struct VerifiedPrincipal {
  std::string name;
  Role role = Role::Node;
  std::string fingerprint;  // lowercase hex SHA-256 of the DER certificate
  std::int64_t notBeforeMs = 0;
  std::int64_t notAfterMs = 0;
  std::shared_ptr<EVP_PKEY> publicKey;  // for signature checks; shared with the cache
  // Set by verifyEnvelope: the message was taken on a MAC made for its recipient, its
  // signature (if any) left unchecked.
  bool byMac = false;
};

class CertificateStore {
 public:
  static constexpr std::size_t kDefaultCacheEntries = 10'000;

  /// Throws OpenSslError if either PEM does not parse, std::invalid_argument if the
  /// CA certificate is not a CA or the CRL is not signed by it.
  CertificateStore(std::string_view caCertPem, std::string_view crlPem,
                   std::size_t cacheEntries = kDefaultCacheEntries);

  /// A store read from files; reload() rereads `crlFile`. Throws as the constructor,
  /// and std::runtime_error naming a file that cannot be read.
  static std::unique_ptr<CertificateStore> open(const std::filesystem::path& caCertFile,
                                                const std::filesystem::path& crlFile,
                                                std::size_t cacheEntries = kDefaultCacheEntries);

  /// Installs a new CRL; when it differs from the current one, every cached
  /// verification is dropped. Returns whether it changed. Throws as the constructor.
  bool setCrl(std::string_view crlPem);

  /// Rereads the CRL file of a store made by open() (false otherwise or if unchanged).
  /// Throws as setCrl(), std::runtime_error if the file cannot be read.
  bool reload();

  /// Verifies a PEM or DER certificate at time `nowMs`. Throws VerifyError.
  VerifiedPrincipal verify(std::string_view certificate, std::int64_t nowMs);

  /// When the current CRL stops being acceptable (its nextUpdate).
  std::int64_t crlNextUpdateMs() const;

  /// Number of cached verifications.
  std::size_t cacheSize() const;

 private:
  struct Trust;
  using Lru = std::list<std::pair<std::string, VerifiedPrincipal>>;

  std::shared_ptr<const Trust> currentTrust() const;
  std::optional<VerifiedPrincipal> cached(const std::string& fingerprint, const Trust& trust,
                                          std::int64_t nowMs);
  void remember(const VerifiedPrincipal& principal, std::uint64_t generation);

  const std::size_t cacheEntries_;
  X509Ptr ca_;
  std::filesystem::path crlFile_;  // empty unless made by open()
  mutable std::mutex mutex_;       // guards trust_, lru_ and byFingerprint_
  std::shared_ptr<const Trust> trust_;
  Lru lru_;  // most recently used first
  std::unordered_map<std::string, Lru::iterator> byFingerprint_;
};

}  // namespace drover::security
