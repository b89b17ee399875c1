#include "core/security/signing.hpp"

#include "core/security/certificate.hpp"
#include "core/security/keys.hpp"
#include "core/util/files.hpp"

namespace drover::security {
namespace {

using Reason = VerifyError::Reason;

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
}

Signer Signer::fromFiles(const std::filesystem::path& keyFile,
                         const std::filesystem::path& certificateFile) {
  return Signer(readPrivateKey(keyFile), util::readFile(certificateFile));
}

std::string Signer::sign(std::string_view bytes) const {
  auto ctx = ownOrThrow<MdCtxPtr>(EVP_MD_CTX_new(), "creating a signing context");
  // Ed25519 hashes internally: no digest is named, and signing is one shot.
  checkOpenSsl(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1,
               "starting a signature");
  auto data = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t size = 0;
  checkOpenSsl(EVP_DigestSign(ctx.get(), nullptr, &size, data, bytes.size()) == 1,
               "sizing a signature");
  std::string signature(size, '\0');
  checkOpenSsl(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                              data, bytes.size()) == 1,
               "signing");
  signature.resize(size);
  return signature;
}

bool verifySignature(EVP_PKEY* key, std::string_view bytes, std::string_view signature) {
  auto ctx = ownOrThrow<MdCtxPtr>(EVP_MD_CTX_new(), "creating a verify context");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) {
    clearOpenSslErrors();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  if (rc != 1) clearOpenSslErrors();
  return rc == 1;
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
