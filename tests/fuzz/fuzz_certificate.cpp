// Fuzz target for certificate handling (core/security): the bytes a peer controls, a
// certificate in an envelope's `cert` field, and the PEM files a process loads (CA
// certificate, CRL, private key, CSR). Every input is tried as:
//   - a peer certificate, through CertificateStore::verify: only VerifyError may leave;
//   - a certificate for parseCertificate and the readers of its fields: OpenSslError;
//     one that parses must survive a DER round trip unchanged;
//   - a CRL for a store trusting the fixed CA: OpenSslError or std::invalid_argument;
//   - a private key and a CSR: OpenSslError (std::invalid_argument for a non-Ed25519 key);
//   - an envelope, whose signature or MAC is checked by verifyEnvelope, as a node
//     checks a request and as a client checks a reply (with its key, for MACs):
//     VerifyError.
// The trust anchors are the CA certificate and CRL in data/certificate/ (written by
// fuzz_certificate_seeds), and verification happens at a fixed time in their validity.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/envelope/envelope.hpp"
#include "core/security/certificate.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"
#include "core/util/files.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;
using namespace drover::security;

std::string readData(const char* name) {
  return util::readFile(std::string(DROVER_FUZZ_DATA_DIR) + "/certificate/" + name);
}

struct Trust {
  std::string caPem = readData("ca.pem");
  std::string crlPem = readData("crl.pem");
  CertificateStore store{caPem, crlPem};
  // Inside the validity of the CA, the CRL and the seed certificates, whenever run.
  std::int64_t nowMs = notBeforeMs(certificateFromPem(caPem).get()) + 86'400'000;
};

Trust& trust() {
  static Trust instance;
  return instance;
}

// The reader a MAC would be for: any key with a certificate of its own will do.
const Signer& recipient() {
  static const Signer instance = [] {
    PkeyPtr key = generateKey();
    X509Ptr cert = makeCaCertificate(key.get(), {"fuzz-recipient", "01", 0, 4102444800000});
    return Signer(std::move(key), certificateToDer(cert.get()));
  }();
  return instance;
}

void asPeerCertificate(std::string_view bytes) {
  try {
    trust().store.verify(bytes, trust().nowMs);
  } catch (const VerifyError&) {
  }
}

void asCertificate(std::string_view bytes) {
  X509Ptr cert;
  try {
    cert = parseCertificate(bytes);
  } catch (const OpenSslError&) {
    return;
  }
  try {
    certificateName(cert.get());
    roleUris(cert.get());
    notBeforeMs(cert.get());
    notAfterMs(cert.get());
    serialHex(cert.get());
  } catch (const OpenSslError&) {
  }
  const std::string der = certificateToDer(cert.get());
  X509Ptr again;
  try {
    again = certificateFromDer(der);
  } catch (const OpenSslError& e) {
    fuzz::violated("a parsed certificate's DER parses again", e.what());
  }
  if (certificateToDer(again.get()) != der) fuzz::violated("certificate DER is stable");
}

void asCrl(std::string_view bytes) {
  try {
    crlFromPem(bytes);
  } catch (const OpenSslError&) {
    return;
  }
  try {
    CertificateStore store(trust().caPem, bytes);
  } catch (const OpenSslError&) {
  } catch (const std::invalid_argument&) {
  }
}

void asKeyAndCsr(std::string_view bytes) {
  try {
    privateKeyFromPem(bytes);
  } catch (const OpenSslError&) {
  } catch (const std::invalid_argument&) {
  }
  try {
    auto csr = csrFromPem(bytes);
    commonName(X509_REQ_get_subject_name(csr.get()));
  } catch (const OpenSslError&) {
  }
}

void asEnvelope(std::string_view bytes) {
  envelope::Envelope env;
  try {
    env = envelope::decode(bytes);
  } catch (const envelope::DecodeError&) {
    return;
  }
  try {
    verifyEnvelope(env, trust().store, trust().nowMs);
  } catch (const VerifyError&) {
  }
  try {
    verifyEnvelope(env, trust().store, trust().nowMs, &recipient());
  } catch (const VerifyError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = fuzz::asText(data, size);
  asPeerCertificate(bytes);
  asCertificate(bytes);
  asCrl(bytes);
  asKeyAndCsr(bytes);
  asEnvelope(bytes);
  return 0;
}
