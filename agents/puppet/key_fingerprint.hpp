#pragma once
// Fingerprints as Puppet prints them (SHA-256, colon-separated upper-case hex), of a
// whole DER object and of a public key. A key's fingerprint is the SHA-256 of its
// SubjectPublicKeyInfo DER: the node computes it from the private key it holds, the
// master from the request (or certificate) its CA keeps, both with OpenSSL, so a request
// is matched to a key whatever else its bytes hold (`puppetserver ca list` prints a
// digest of the whole request, which a new request for the same key need not repeat).
#include <openssl/x509.h>

#include <string>
#include <string_view>

namespace drover::agents::puppet {

/// SHA-256 of `der` as "AB:CD:...", Puppet's format. Throws security::OpenSslError.
std::string puppetFingerprint(std::string_view der);

/// puppetFingerprint of the SubjectPublicKeyInfo DER of `key` (its public half).
/// Throws security::OpenSslError.
std::string keyFingerprint(EVP_PKEY* key);

/// The key fingerprint of the public key in a certificate request, and in a certificate.
/// Throws security::OpenSslError when the object holds no usable public key.
std::string requestKeyFingerprint(X509_REQ* request);
std::string certificateKeyFingerprint(X509* certificate);

}  // namespace drover::agents::puppet
