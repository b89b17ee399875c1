#pragma once
// What a node holds in Puppet's ssldir for one certname: its key, its signed
// certificate, a pending request, the CA certificate; whether they belong together, and
// the fingerprint of the key it holds now, which the master's request must carry before
// it is signed (agents/puppet/key_fingerprint.hpp).
#include <cstdint>
#include <filesystem>
#include <string>

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
  std::string keyFingerprint;  // of the private key's public half; empty without a key
  std::string requestKeyFingerprint;  // of the public key in the request; empty without one
  std::int64_t notAfter = 0;          // Unix seconds; 0 without a certificate
};

/// Inspects `ssldir` for `certname`. Files that are absent are reported as such;
/// a file that exists but does not parse throws std::runtime_error naming it.
LocalCertificate inspectLocalCertificate(const std::filesystem::path& ssldir,
                                         const std::string& certname);

/// The DDL outputs of provision#certificate_status.
Json toJson(const LocalCertificate& local);

}  // namespace drover::agents::provision
