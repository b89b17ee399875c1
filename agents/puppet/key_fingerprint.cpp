#include "agents/puppet/key_fingerprint.hpp"

#include <cctype>

#include "core/security/certificate.hpp"
#include "core/security/openssl_handles.hpp"

namespace drover::agents::puppet {

using security::checkOpenSsl;

std::string puppetFingerprint(std::string_view der) {
  std::string hex = security::fingerprintOf(der);
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

std::string keyFingerprint(EVP_PKEY* key) {
  checkOpenSsl(key != nullptr, "reading a public key");
  unsigned char* buffer = nullptr;
  int size = i2d_PUBKEY(key, &buffer);
  checkOpenSsl(size > 0, "encoding a public key");
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(size));
  OPENSSL_free(buffer);
  return puppetFingerprint(der);
}

std::string requestKeyFingerprint(X509_REQ* request) {
  return keyFingerprint(X509_REQ_get0_pubkey(request));
}

std::string certificateKeyFingerprint(X509* certificate) {
  return keyFingerprint(X509_get0_pubkey(certificate));
}

}  // namespace drover::agents::puppet
