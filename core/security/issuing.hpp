#pragma once
// Building and signing the X.509 objects a CA issues: its own certificate, leaf
// certificates with a role, and CRLs. No files here: ca.hpp owns the directory.
#include <cstdint>
#include <string>
#include <vector>

#include "core/security/openssl_handles.hpp"
#include "core/security/roles.hpp"

namespace drover::security {

/// What varies between certificates: subject CN, serial (hex) and validity.
struct CertificateSpec {
  std::string name;
  std::string serialHex;
  std::int64_t notBeforeMs = 0;
  std::int64_t notAfterMs = 0;
};

/// A self-signed CA certificate (CA:TRUE, pathlen 0: it signs leaves only).
/// Throws OpenSslError.
X509Ptr makeCaCertificate(EVP_PKEY* key, const CertificateSpec& spec);

/// A leaf certificate for `subjectKey`, signed by the CA: CA:FALSE, digitalSignature
/// only, and the role as a subjectAltName URI (roles.hpp). Throws OpenSslError.
X509Ptr makeLeafCertificate(EVP_PKEY* caKey, X509* caCert, EVP_PKEY* subjectKey, Role role,
                            const CertificateSpec& spec);

struct RevokedSerial {
  std::string serialHex;
  std::int64_t revokedAtMs = 0;
};

/// A v2 CRL listing `revoked`, issued at `nowMs` and valid until `nextUpdateMs`, with
/// the CRL number set to the issue time in ms (so it only grows). Throws OpenSslError.
X509CrlPtr makeCrl(EVP_PKEY* caKey, X509* caCert, const std::vector<RevokedSerial>& revoked,
                   std::int64_t nowMs, std::int64_t nextUpdateMs);

}  // namespace drover::security
