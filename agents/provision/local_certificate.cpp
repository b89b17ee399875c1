#include "agents/provision/local_certificate.hpp"

#include <openssl/pem.h>

#include <system_error>

#include "core/security/certificate.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/util/files.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using namespace drover::security;

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

void inspectCertificate(const fs::path& ssldir, const fs::path& keyFile, LocalCertificate& local) {
  X509Ptr cert = readCertificate(ssldir / "certs" / (local.certname + ".pem"));
  local.hasCertificate = true;
  local.fingerprint = puppetFingerprint(certificateToDer(cert.get()));
  local.notAfter = notAfterMs(cert.get()) / 1000;
  if (local.hasKey) {
    PkeyPtr key = parseFile(keyFile, "private key", [](BIO* bio) {
      return PkeyPtr(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    });
    local.matchesKey = EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) == 1;
  }
  fs::path caFile = ssldir / "certs" / "ca.pem";
  if (fileExists(caFile)) {
    X509Ptr ca = readCertificate(caFile);
    local.signedByCa = X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1;
  }
  clearOpenSslErrors();
}

}  // namespace

std::string puppetFingerprint(std::string_view der) {
  std::string hex = fingerprintOf(der);
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

LocalCertificate inspectLocalCertificate(const fs::path& ssldir, const std::string& certname) {
  LocalCertificate local;
  local.certname = certname;
  fs::path keyFile = ssldir / "private_keys" / (certname + ".pem");
  local.hasKey = fileExists(keyFile);
  fs::path requestFile = ssldir / "certificate_requests" / (certname + ".pem");
  if (fileExists(requestFile)) {
    local.hasRequest = true;
    auto request = parseFile(requestFile, "certificate request", [](BIO* bio) {
      return X509ReqPtr(PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr));
    });
    local.csrFingerprint = puppetFingerprint(derOf(request.get()));
  }
  if (fileExists(ssldir / "certs" / (certname + ".pem"))) inspectCertificate(ssldir, keyFile, local);
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
          {"not_after", local.notAfter}};
}

}  // namespace drover::agents::provision
