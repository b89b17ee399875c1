#include "core/security/signing.hpp"

#include <sodium.h>

#include "core/security/certificate.hpp"
#include "core/security/keys.hpp"
#include "core/util/files.hpp"

namespace drover::security {
namespace {

using Reason = VerifyError::Reason;

// sodium_init() is thread safe and idempotent; this runs it once, before first use.
void requireSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw OpenSslError("libsodium could not initialise");
}

}  // namespace

Signer::Signer(PkeyPtr key, std::string_view certificate) : key_(std::move(key)) {
  X509Ptr cert = parseCertificate(certificate);
  if (!key_ || EVP_PKEY_id(key_.get()) != EVP_PKEY_ED25519) {
    throw std::invalid_argument("signing key is not an Ed25519 key");
  }
  if (X509_check_private_key(cert.get(), key_.get()) != 1) {
    clearOpenSslErrors();
    throw std::invalid_argument("signing key does not match the certificate of '" +
                                certificateName(cert.get()) + "'");
  }
  certificateDer_ = certificateToDer(cert.get());
  name_ = certificateName(cert.get());
  requireSodium();
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  std::size_t seedSize = seed.size();
  checkOpenSsl(EVP_PKEY_get_raw_private_key(key_.get(), seed.data(), &seedSize) == 1 &&
                   seedSize == seed.size(),
               "reading the signing key");
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pub{};
  crypto_sign_seed_keypair(pub.data(), secret_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
}

Signer::~Signer() { sodium_memzero(secret_.data(), secret_.size()); }

Signer::Signer(Signer&& other) noexcept
    : key_(std::move(other.key_)),
      secret_(other.secret_),
      certificateDer_(std::move(other.certificateDer_)),
      name_(std::move(other.name_)) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

Signer Signer::fromFiles(const std::filesystem::path& keyFile,
                         const std::filesystem::path& certificateFile) {
  return Signer(readPrivateKey(keyFile), util::readFile(certificateFile));
}

std::string Signer::sign(std::string_view bytes) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                       secret_.data());
  return signature;
}

bool verifySignature(EVP_PKEY* key, std::string_view bytes, std::string_view signature) {
  if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519) return false;
  if (signature.size() != crypto_sign_BYTES) return false;
  requireSodium();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pub{};
  std::size_t size = pub.size();
  if (EVP_PKEY_get_raw_public_key(key, pub.data(), &size) != 1 || size != pub.size()) {
    clearOpenSslErrors();
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     bytes.size(), pub.data()) == 0;
}

bool verifySignature(X509* cert, std::string_view bytes, std::string_view signature) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  return key != nullptr && verifySignature(key, bytes, signature);
}

void signEnvelope(envelope::Envelope& env, const Signer& signer) {
  if (env.sender.empty()) env.sender = signer.name();
  if (env.sender != signer.name()) {
    throw std::invalid_argument("cannot sign a message from '" + env.sender + "' as '" +
                                signer.name() + "'");
  }
  env.cert = signer.certificateDer();
  env.sig = signer.sign(envelope::signingBytes(env));
}

VerifiedPrincipal verifyEnvelope(const envelope::Envelope& env, CertificateStore& store,
                                 std::int64_t nowMs) {
  std::string what = "message " + env.id + " from '" + env.sender + "'";
  if (env.sig.empty()) throw VerifyError(Reason::Unsigned, "unsigned message: " + what);
  if (env.cert.empty()) throw VerifyError(Reason::NoCertificate, what + " carries no certificate");
  VerifiedPrincipal principal = store.verify(env.cert, nowMs);
  if (principal.name != env.sender) {
    throw VerifyError(
        Reason::SenderMismatch,
        "sender '" + env.sender + "' does not match certificate '" + principal.name + "'");
  }
  if (!verifySignature(principal.publicKey.get(), envelope::signingBytes(env), env.sig)) {
    throw VerifyError(Reason::BadSignature, "bad signature on " + what);
  }
  return principal;
}

}  // namespace drover::security
