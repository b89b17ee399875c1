#include "agents/provision/local_certificate.hpp"

#include <openssl/pem.h>

#include <system_error>

#include "agents/puppet/key_fingerprint.hpp"
#include "core/security/certificate.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/util/files.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using namespace drover::security;
using puppet::puppetFingerprint;

bool fileExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

template <typename Parse>
auto parseFile(const fs::path& path, const char* what, Parse parse) {
  std::string pem = util::readFile(path);
  clearOpenSslErrors();
  BioPtr bio = memoryBio(pem);
  auto handle = parse(bio.get());
  if (!handle) throw std::runtime_error(path.string() + " is not a PEM " + what);
  return handle;
}

X509Ptr readCertificate(const fs::path& path) {
  return parseFile(path, "certificate", [](BIO* bio) {
    return X509Ptr(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  });
}

std::string derOf(X509_REQ* request) {
  unsigned char* buffer = nullptr;
  int size = i2d_X509_REQ(request, &buffer);
  if (size <= 0) throw std::runtime_error("cannot encode a certificate request");
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(size));
  OPENSSL_free(buffer);
  return der;
}

PkeyPtr readPrivateKey(const fs::path& path) {
  return parseFile(path, "private key", [](BIO* bio) {
    return PkeyPtr(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  });
}

void inspectRequest(const fs::path& requestFile, LocalCertificate& local) {
  auto request = parseFile(requestFile, "certificate request", [](BIO* bio) {
    return X509ReqPtr(PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr));
  });
  local.hasRequest = true;
  local.csrFingerprint = puppetFingerprint(derOf(request.get()));
  local.requestKeyFingerprint = puppet::requestKeyFingerprint(request.get());
}

void inspectCertificate(const fs::path& ssldir, EVP_PKEY* key, LocalCertificate& local) {
  X509Ptr cert = readCertificate(ssldir / "certs" / (local.certname + ".pem"));
  local.hasCertificate = true;
  local.fingerprint = puppetFingerprint(certificateToDer(cert.get()));
  local.notAfter = notAfterMs(cert.get()) / 1000;
  if (key != nullptr) local.matchesKey = EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key) == 1;
  fs::path caFile = ssldir / "certs" / "ca.pem";
  if (fileExists(caFile)) {
    X509Ptr ca = readCertificate(caFile);
    local.signedByCa = X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1;
  }
  clearOpenSslErrors();
}

}  // namespace

LocalCertificate inspectLocalCertificate(const fs::path& ssldir, const std::string& certname) {
  LocalCertificate local;
  local.certname = certname;
  fs::path keyFile = ssldir / "private_keys" / (certname + ".pem");
  PkeyPtr key;
  if (fileExists(keyFile)) {
    key = readPrivateKey(keyFile);
    local.hasKey = true;
    local.keyFingerprint = puppet::keyFingerprint(key.get());
  }
  fs::path requestFile = ssldir / "certificate_requests" / (certname + ".pem");
  if (fileExists(requestFile)) inspectRequest(requestFile, local);
  fs::path certFile = ssldir / "certs" / (certname + ".pem");
  if (fileExists(certFile)) inspectCertificate(ssldir, key.get(), local);
  return local;
}

Json toJson(const LocalCertificate& local) {
  return {{"certname", local.certname},
          {"has_key", local.hasKey},
          {"has_certificate", local.hasCertificate},
          {"matches_key", local.matchesKey},
          {"signed_by_ca", local.signedByCa},
          {"has_request", local.hasRequest},
          {"fingerprint", local.fingerprint},
          {"csr_fingerprint", local.csrFingerprint},
          {"key_fingerprint", local.keyFingerprint},
          {"request_key_fingerprint", local.requestKeyFingerprint},
          {"not_after", local.notAfter}};
}

}  // namespace drover::agents::provision
