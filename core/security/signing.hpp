#pragma once
// Ed25519 signatures over bytes and over envelopes. Keys and certificates are OpenSSL
// objects; the signature arithmetic itself is libsodium's, which is about twice as fast
// and rejects non-canonical signatures and small-order keys.
//
// Wire fields (core/envelope): `cert` carries the signer's DER certificate and `sig`
// the 64-byte Ed25519 signature over envelope::signingBytes(), which covers every
// field but `sig` and `mac` (so `sender` and `cert` are signed too). `mac` is a MAC
// over the same bytes under the key the sender shares with the one recipient
// (pairwise.hpp), which only that recipient can check, at a fraction of a signature
// check's cost: a reply to a request that asks for it (`reply_mac`) carries it instead
// of `sig`, a direct request to a node whose key the caller knows beside `sig`.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/envelope/envelope.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/security/pairwise.hpp"

namespace drover::security {

/// A private key with the certificate that vouches for it. Thread safe (sign is const).
class Signer {
 public:
  /// `certificate` is PEM or DER. Throws OpenSslError if it does not parse,
  /// std::invalid_argument if the key is not Ed25519 or does not match it.
  Signer(PkeyPtr key, std::string_view certificate);
  ~Signer();  // wipes the key material
  Signer(Signer&& other) noexcept;
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  Signer& operator=(Signer&&) = delete;

  /// Throws as the constructor, as readPrivateKey(), std::runtime_error (I/O).
  static Signer fromFiles(const std::filesystem::path& keyFile,
                          const std::filesystem::path& certificateFile);

  /// The 64-byte Ed25519 signature of `bytes`. Throws OpenSslError.
  std::string sign(std::string_view bytes) const;

  /// The certificate's name: what `sender` must say.
  const std::string& name() const { return name_; }
  const std::string& certificateDer() const { return certificateDer_; }

  /// Keys shared with each peer, derived from this key. Thread safe.
  const PairwiseKeys& pairwise() const { return *pairwise_; }

 private:
  PkeyPtr key_;
  std::array<unsigned char, 64> secret_{};  // libsodium form: seed then public key
  std::string certificateDer_;
  std::string name_;
  std::unique_ptr<PairwiseKeys> pairwise_;
};

/// True if `signature` is `key`'s Ed25519 signature of `bytes`. A wrong, truncated
/// or forged signature is false, never an exception. Throws OpenSslError only when
/// OpenSSL cannot allocate.
bool verifySignature(EVP_PKEY* key, std::string_view bytes, std::string_view signature);

/// The raw 32 bytes of an Ed25519 public key (what PairwiseKeys takes); empty for any
/// other key or none.
std::string rawPublicKey(EVP_PKEY* key);

/// verifySignature() with the public key of `cert`.
bool verifySignature(X509* cert, std::string_view bytes, std::string_view signature);

/// Puts the signer's certificate into `env.cert`, then signs it into `env.sig`. An
/// empty `env.sender` becomes the signer's name. Throws std::invalid_argument if
/// `env.sender` names someone else, OpenSslError, std::invalid_argument from encoding.
void signEnvelope(envelope::Envelope& env, const Signer& signer);

/// Puts the signer's certificate into `env.cert`, then a MAC into `env.mac` under the
/// key the signer shares with the holder of `recipientKey` (the Ed25519 key of a
/// certificate verified before). An empty `env.sender` becomes the signer's name.
/// Throws std::invalid_argument if `env.sender` names someone else or `recipientKey`
/// is not a usable Ed25519 key, and from encoding.
void macEnvelope(envelope::Envelope& env, const Signer& signer, EVP_PKEY* recipientKey);

/// Checks, in this order: a signature (or a MAC for `recipient`) is present, a
/// certificate is present, the certificate verifies in `store` at `nowMs`, its name
/// equals `env.sender`, then the MAC over signingBytes(env) under the key `recipient`
/// shares with that certificate's key, if there is one for it, and otherwise (or if the
/// MAC does not check) the signature. Without `recipient` a MAC counts for nothing: a
/// message with only a MAC is refused. Freshness and replay are separate
/// (replay_cache.hpp). Returns the sender. Throws VerifyError.
VerifiedPrincipal verifyEnvelope(const envelope::Envelope& env, CertificateStore& store,
                                 std::int64_t nowMs, const Signer* recipient = nullptr);

}  // namespace drover::security
