#include "testing/credentials.hpp"

#include "core/security/keys.hpp"
#include "core/util/files.hpp"

namespace drover::testing {

Credentials issueCredentials(security::CertificateAuthority& ca, const std::filesystem::path& dir,
                             const std::string& name, security::Role role,
                             const security::CertificateAuthority::IssueOptions& options) {
  std::filesystem::create_directories(dir);
  Credentials out{dir / (name + ".key"), dir / (name + ".pem")};
  security::PkeyPtr key = security::generateKey();
  std::string cert =
      ca.sign(security::csrToPem(security::makeCsr(key.get(), name).get()), role, options);
  std::filesystem::remove(out.key);  // writePrivateKey creates it with mode 0600
  security::writePrivateKey(out.key, key.get());
  util::writeFileAtomically(out.cert, cert);
  return out;
}

std::vector<std::string> droverdSecurityFlags(const NodeSecurityFiles& files) {
  return {"--security-ca-file",     files.caFile.string(),          "--security-crl-file",
          files.crlFile.string(),   "--security-cert-file",         files.credentials.cert.string(),
          "--security-key-file",    files.credentials.key.string(), "--security-policy-dir",
          files.policyDir.string(), "--security-audit-log",         files.auditLog.string()};
}

}  // namespace drover::testing
