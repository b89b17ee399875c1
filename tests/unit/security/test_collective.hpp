#pragma once
// A throwaway collective for tests: a CA in a fresh temporary directory, and helpers
// that issue keys and certificates from it.
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "testing/process.hpp"

#include "core/security/ca.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"

namespace drover::security::testing {

// Scratch directories come from the shared test support library.
using ScratchDir = ::drover::testing::TempDir;

/// A principal's private key (PEM) and certificate (PEM).
struct Identity {
  std::string keyPem;
  std::string certPem;
  Signer signer() const { return Signer(privateKeyFromPem(keyPem), certPem); }
};

/// A CA named `caName` in its own scratch directory.
class TestCollective {
 public:
  explicit TestCollective(const std::string& caName = "Test Collective CA")
      : ca_(CertificateAuthority::create(dir_ / "ca", caName)) {}

  CertificateAuthority& ca() { return ca_; }
  std::filesystem::path caDir() const { return dir_ / "ca"; }

  Identity issue(const std::string& name, Role role,
                 const CertificateAuthority::IssueOptions& options = {}) {
    PkeyPtr key = generateKey();
    std::string csr = csrToPem(makeCsr(key.get(), name).get());
    return {privateKeyToPem(key.get()), ca_.sign(csr, role, options)};
  }

  /// A store trusting this CA, reading its ca.crt and crl.pem (reload() rereads the CRL).
  std::unique_ptr<CertificateStore> store(
      std::size_t cacheEntries = CertificateStore::kDefaultCacheEntries) const {
    return CertificateStore::open(caDir() / "ca.crt", caDir() / "crl.pem", cacheEntries);
  }

 private:
  ScratchDir dir_;
  CertificateAuthority ca_;
};

}  // namespace drover::security::testing
