#include "bench/support/secure_setup.hpp"

#include "core/security/ca.hpp"
#include "core/security/keys.hpp"

namespace drover::bench {

SecureSetup makeSecureSetup(const std::filesystem::path& caDir) {
  auto ca = security::CertificateAuthority::create(caDir, "drover-bench-ca");
  security::PkeyPtr key = security::generateKey();
  std::string pem = ca.sign(security::csrToPem(security::makeCsr(key.get(), kBenchAdmin).get()),
                            security::Role::Admin);
  return {caDir, std::make_shared<const security::Signer>(std::move(key), pem)};
}

testing::NodeSecurityFiles issueNodeFiles(const SecureSetup& setup,
                                          const std::filesystem::path& dir,
                                          const std::string& identity) {
  auto ca = security::CertificateAuthority::load(setup.caDir);
  testing::NodeSecurityFiles files;
  files.caFile = ca.certificateFile();
  files.crlFile = ca.crlFile();
  files.credentials = testing::issueCredentials(ca, dir, identity, security::Role::Node);
  files.policyDir = dir / "policies";
  files.auditLog = dir / (identity + ".audit.jsonl");
  return files;
}

}  // namespace drover::bench
