#pragma once
// What a node holds in Puppet's ssldir for one certname: its key, its signed
// certificate, a pending request, the CA certificate; whether they belong together.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/util/json.hpp"

namespace drover::agents::provision {

struct LocalCertificate {
  std::string certname;
  bool hasKey = false;
  bool hasCertificate = false;
  bool matchesKey = false;     // the certificate's public key is the private key's
  bool signedByCa = false;     // the certificate verifies with ssldir/certs/ca.pem
  bool hasRequest = false;     // ssldir/certificate_requests/<certname>.pem exists
  std::string fingerprint;     // SHA-256 of the certificate, as Puppet prints it
  std::string csrFingerprint;  // SHA-256 of the request's DER, as `puppetserver ca list` shows it
  std::int64_t notAfter = 0;   // Unix seconds; 0 without a certificate
};

/// SHA-256 of `der` as colon-separated upper-case hex ("AB:CD:..."), Puppet's format.
std::string puppetFingerprint(std::string_view der);

/// Inspects `ssldir` for `certname`. Files that are absent are reported as such;
/// a file that exists but does not parse throws std::runtime_error naming it.
LocalCertificate inspectLocalCertificate(const std::filesystem::path& ssldir,
                                         const std::string& certname);

/// The DDL outputs of provision#certificate_status.
Json toJson(const LocalCertificate& local);

}  // namespace drover::agents::provision
