#pragma once
// Security for a benchmark, set up as an operator would: a fresh CA directory as
// `drover cert ca create` leaves it (ca.key, ca.crt, crl.pem), an admin signer for
// the benchmark's own requests (key in memory only), and for each real droverd its
// own node certificate and key files.
#include <filesystem>
#include <memory>
#include <string>

#include "core/security/signing.hpp"
#include "testing/credentials.hpp"

namespace drover::bench {

/// The client's certificate name: an admin, as an operator's CLI would have.
inline constexpr const char* kBenchAdmin = "bench.admin";

struct SecureSetup {
  std::filesystem::path caDir;
  std::shared_ptr<const security::Signer> admin;
};

/// Creates the CA in `caDir` and issues the admin certificate. Throws as
/// CertificateAuthority::create and ::sign.
SecureSetup makeSecureSetup(const std::filesystem::path& caDir);

/// Issues `identity` a node certificate into `dir` and returns what its droverd
/// reads: the CA's files, its key and certificate, `dir`/policies (absent, so the
/// built-in policy) and `dir`/IDENTITY.audit.jsonl. Throws as CertificateAuthority.
testing::NodeSecurityFiles issueNodeFiles(const SecureSetup& setup,
                                          const std::filesystem::path& dir,
                                          const std::string& identity);

}  // namespace drover::bench
