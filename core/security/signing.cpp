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
  pairwise_ = std::make_unique<PairwiseKeys>(secret_);
}

Signer::~Signer() { sodium_memzero(secret_.data(), secret_.size()); }

Signer::Signer(Signer&& other) noexcept
    : key_(std::move(other.key_)),
      secret_(other.secret_),
      certificateDer_(std::move(other.certificateDer_)),
      name_(std::move(other.name_)),
      pairwise_(std::move(other.pairwise_)) {
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

std::string rawPublicKey(EVP_PKEY* key) {
  std::string raw(crypto_sign_PUBLICKEYBYTES, '\0');
  std::size_t size = raw.size();
  if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519 ||
      EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != raw.size()) {
    clearOpenSslErrors();
    return {};
  }
  return raw;
}

bool verifySignature(EVP_PKEY* key, std::string_view bytes, std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  const std::string pub = rawPublicKey(key);
  if (pub.empty()) return false;
  requireSodium();
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     bytes.size(),
                                     reinterpret_cast<const unsigned char*>(pub.data())) == 0;
}

static_assert(envelope::kMacSize == kMacSize);

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
  env.mac.clear();
  env.sig = signer.sign(envelope::signingBytes(env));
}

void macEnvelope(envelope::Envelope& env, const Signer& signer, EVP_PKEY* recipientKey) {
  if (env.sender.empty()) env.sender = signer.name();
  if (env.sender != signer.name()) {
    throw std::invalid_argument("cannot MAC a message from '" + env.sender + "' as '" +
                                signer.name() + "'");
  }
  std::string recipient = rawPublicKey(recipientKey);
  env.cert = signer.certificateDer();
  env.sig.clear();
  env.mac.clear();
  std::string mac = signer.pairwise().mac(recipient, envelope::signingBytes(env));
  if (mac.empty()) throw std::invalid_argument("the recipient's key is not a usable Ed25519 key");
  env.mac = std::move(mac);
}

VerifiedPrincipal verifyEnvelope(const envelope::Envelope& env, CertificateStore& store,
                                 std::int64_t nowMs, const Signer* recipient) {
  std::string what = "message " + env.id + " from '" + env.sender + "'";
  const bool isSigned = !env.sig.empty();
  const bool macFor = !env.mac.empty() && recipient != nullptr;
  if (!isSigned && !macFor) {
    if (!env.mac.empty()) {
      throw VerifyError(Reason::Unsigned, what +
                                              " carries only a MAC, which only the one it "
                                              "was made for can check, and no signature");
    }
    throw VerifyError(Reason::Unsigned, "unsigned message: " + what);
  }
  if (env.cert.empty()) throw VerifyError(Reason::NoCertificate, what + " carries no certificate");
  VerifiedPrincipal principal = store.verify(env.cert, nowMs);
  if (principal.name != env.sender) {
    throw VerifyError(
        Reason::SenderMismatch,
        "sender '" + env.sender + "' does not match certificate '" + principal.name + "'");
  }
  const std::string covered = envelope::signingBytes(env);
  if (macFor) {
    // The cheap check first: a MAC made for us needs no signature check. One that fails
    // (a key the sender knew from before our certificate changed) leaves the signature.
    if (recipient->pairwise().check(rawPublicKey(principal.publicKey.get()), covered, env.mac)) {
      principal.byMac = true;
      return principal;
    }
    if (!isSigned) {
      throw VerifyError(Reason::BadSignature, "bad MAC on " + what +
                                                  " (it does not check under the key shared "
                                                  "with '" +
                                                  recipient->name() + "')");
    }
  }
  if (!verifySignature(principal.publicKey.get(), covered, env.sig)) {
    throw VerifyError(Reason::BadSignature, "bad signature on " + what);
  }
  return principal;
}

}  // namespace drover::security
