#pragma once
// Principals of a test CA on disk, as `drover cert` leaves them: a private key and a
// PEM certificate per name, and the droverd flags that point a node at its files.
// Shared by the integration fleet (tests/integration/fleet.hpp) and the benchmarks
// that run real droverd processes with security on (bench/support/harness.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "core/security/ca.hpp"

namespace drover::testing {

/// A principal's key and certificate files.
struct Credentials {
  std::filesystem::path key;
  std::filesystem::path cert;
};

/// Issues a certificate for `name` in `role` into `dir` (created when missing) as
/// NAME.key and NAME.pem, replacing files of that name. Throws as
/// CertificateAuthority::sign, std::runtime_error (I/O).
Credentials issueCredentials(security::CertificateAuthority& ca, const std::filesystem::path& dir,
                             const std::string& name, security::Role role,
                             const security::CertificateAuthority::IssueOptions& options = {});

/// What an enforcing droverd with its own certificate reads.
struct NodeSecurityFiles {
  std::filesystem::path caFile;
  std::filesystem::path crlFile;
  Credentials credentials;
  std::filesystem::path policyDir;  // absent: the built-in policy (rpcutil reads)
  std::filesystem::path auditLog;
};

/// droverd's command-line flags for `files` (--security-ca-file ... --security-audit-log).
std::vector<std::string> droverdSecurityFlags(const NodeSecurityFiles& files);

}  // namespace drover::testing
