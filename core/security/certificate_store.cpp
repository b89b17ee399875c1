#include "core/security/certificate_store.hpp"

#include <limits>

#include "core/log/log.hpp"
#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/util/files.hpp"

namespace drover::security {

// One CRL's worth of trust, replaced whole when the CRL changes, so a verification in
// flight keeps the store it started with.
struct CertificateStore::Trust {
  X509StorePtr store;
  std::string crlPem;
  std::int64_t crlNextUpdateMs = 0;
  std::uint64_t generation = 0;
};

namespace {

using Reason = VerifyError::Reason;

X509CrlPtr checkedCrl(std::string_view pem, X509* ca) {
  X509CrlPtr crl = crlFromPem(pem);
  if (X509_CRL_verify(crl.get(), X509_get0_pubkey(ca)) != 1) {
    clearOpenSslErrors();
    throw std::invalid_argument("CRL is not signed by this collective's CA");
  }
  return crl;
}

X509StorePtr makeStore(X509* ca, X509_CRL* crl) {
  auto store = ownOrThrow<X509StorePtr>(X509_STORE_new(), "creating a trust store");
  checkOpenSsl(
      X509_STORE_add_cert(store.get(), ca) == 1 && X509_STORE_add_crl(store.get(), crl) == 1,
      "filling the trust store");
  checkOpenSsl(
      X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_X509_STRICT) == 1,
      "setting trust store flags");
  return store;
}

std::int64_t nextUpdateMs(X509_CRL* crl) {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  return next == nullptr ? std::numeric_limits<std::int64_t>::max() : asn1TimeToMs(next);
}

int revokedCount(X509_CRL* crl) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  return revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);  // no list at all when empty
}

std::string subjectOf(const std::string& name) {
  return name.empty() ? "certificate without a name" : "certificate of '" + name + "'";
}

VerifyError leafChainError(int code, X509* cert, const std::string& subject) {
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return {Reason::Expired, subject + " expired at " + formatUtc(notAfterMs(cert))};
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return {Reason::NotYetValid,
              subject + " is not valid before " + formatUtc(notBeforeMs(cert))};
    case X509_V_ERR_CERT_REVOKED:
      return {Reason::Revoked, subject + " (serial " + serialHex(cert) + ") is revoked"};
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return {Reason::Untrusted, subject + " is not issued by this collective's CA"};
    default:
      return {Reason::Other,
              subject + " failed verification: " + X509_verify_cert_error_string(code)};
  }
}

// Errors about the CRL or the CA certificate concern every peer, so they say so.
VerifyError chainError(X509_STORE_CTX* ctx, X509* cert, const std::string& subject,
                       std::int64_t crlNextUpdate) {
  int code = X509_STORE_CTX_get_error(ctx);
  if (code == X509_V_ERR_CRL_HAS_EXPIRED) {
    return {Reason::CrlExpired, "cannot check " + subject + ": the collective's CRL expired at " +
                                    formatUtc(crlNextUpdate) +
                                    " (re-sign it with the CA and reload)"};
  }
  if (X509_STORE_CTX_get_error_depth(ctx) > 0) {
    return {Reason::Untrusted, "cannot trust " + subject + ": the collective's CA certificate: " +
                                   X509_verify_cert_error_string(code)};
  }
  return leafChainError(code, cert, subject);
}

void checkChain(X509_STORE* store, X509* cert, const std::string& subject, std::int64_t nowMs,
                std::int64_t crlNextUpdate) {
  auto ctx = ownOrThrow<X509StoreCtxPtr>(X509_STORE_CTX_new(), "creating a verify context");
  checkOpenSsl(X509_STORE_CTX_init(ctx.get(), store, cert, nullptr) == 1, "starting verification");
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             static_cast<time_t>(nowMs / 1000));
  if (X509_verify_cert(ctx.get()) == 1) return;
  clearOpenSslErrors();
  throw chainError(ctx.get(), cert, subject, crlNextUpdate);
}

// The role URI must be single and known, and agree with the name's suffix (roles.hpp).
Role checkedRole(X509* cert, const std::string& name, const std::string& subject) {
  auto uris = roleUris(cert);
  if (uris.empty()) throw VerifyError(Reason::NoRole, subject + " has no role");
  if (uris.size() > 1) throw VerifyError(Reason::BadRole, subject + " has more than one role");
  auto role = parseRole(std::string_view(uris.front()).substr(kRoleUriPrefix.size()));
  if (!role)
    throw VerifyError(Reason::BadRole, subject + " has unknown role '" + uris.front() + "'");
  try {
    checkNameForRole(name, *role);
  } catch (const std::invalid_argument& e) {
    throw VerifyError(Reason::BadRole,
                      subject + " has role " + std::string(toString(*role)) + " but " + e.what());
  }
  return *role;
}

X509Ptr parseOrRefuse(std::string_view certificate) {
  try {
    return parseCertificate(certificate);
  } catch (const OpenSslError& e) {
    throw VerifyError(Reason::Malformed, std::string("malformed certificate: ") + e.what());
  }
}

std::string nameOrRefuse(X509* cert) {
  try {
    return certificateName(cert);
  } catch (const OpenSslError& e) {
    throw VerifyError(Reason::Malformed, std::string("malformed certificate name: ") + e.what());
  }
}

VerifiedPrincipal verifyUncached(X509_STORE* store, X509* cert, std::int64_t nowMs,
                                 std::int64_t crlNextUpdate) {
  std::string name = nameOrRefuse(cert);
  std::string subject = subjectOf(name);
  checkChain(store, cert, subject, nowMs, crlNextUpdate);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    throw VerifyError(Reason::BadKey, subject + " does not hold an Ed25519 key");
  }
  Role role = checkedRole(cert, name, subject);
  std::shared_ptr<EVP_PKEY> publicKey(ownOrThrow<PkeyPtr>(X509_get_pubkey(cert), "reading a key"));
  return {name, role, {}, notBeforeMs(cert), notAfterMs(cert), std::move(publicKey)};
}

}  // namespace

CertificateStore::CertificateStore(std::string_view caCertPem, std::string_view crlPem,
                                   std::size_t cacheEntries)
    : cacheEntries_(cacheEntries), ca_(certificateFromPem(caCertPem)) {
  if (X509_check_ca(ca_.get()) == 0) throw std::invalid_argument("trusted certificate is not a CA");
  setCrl(crlPem);
}

std::unique_ptr<CertificateStore> CertificateStore::open(const std::filesystem::path& caCertFile,
                                                         const std::filesystem::path& crlFile,
                                                         std::size_t cacheEntries) {
  auto store = std::make_unique<CertificateStore>(util::readFile(caCertFile),
                                                  util::readFile(crlFile), cacheEntries);
  store->crlFile_ = crlFile;
  return store;
}

bool CertificateStore::setCrl(std::string_view crlPem) {
  {
    // Nodes re-read the file every few seconds: an unchanged CRL costs one comparison.
    std::lock_guard lock(mutex_);
    if (trust_ && trust_->crlPem == crlPem) return false;
  }
  X509CrlPtr crl = checkedCrl(crlPem, ca_.get());
  auto trust = std::make_shared<Trust>(
      Trust{makeStore(ca_.get(), crl.get()), std::string(crlPem), nextUpdateMs(crl.get()), 0});
  {
    std::lock_guard lock(mutex_);
    if (trust_ && trust_->crlPem == crlPem) return false;
    trust->generation = trust_ ? trust_->generation + 1 : 1;
    trust_ = std::move(trust);
    lru_.clear();  // a cached success may be for a certificate this CRL revokes
    byFingerprint_.clear();
  }
  log::get("drover.security")
      ->info("loaded CRL revoked={} next_update={}", revokedCount(crl.get()),
             formatUtc(nextUpdateMs(crl.get())));
  return true;
}

bool CertificateStore::reload() {
  if (crlFile_.empty()) return false;
  return setCrl(util::readFile(crlFile_));
}

VerifiedPrincipal CertificateStore::verify(std::string_view certificate, std::int64_t nowMs) {
  X509Ptr parsed;
  std::string converted;
  if (isPem(certificate)) {  // the cache is keyed by the DER fingerprint
    parsed = parseOrRefuse(certificate);
    converted = certificateToDer(parsed.get());
    certificate = converted;
  }
  std::string fingerprint = fingerprintOf(certificate);
  auto trust = currentTrust();
  if (auto hit = cached(fingerprint, *trust, nowMs)) return *hit;
  if (!parsed) parsed = parseOrRefuse(certificate);
  VerifiedPrincipal principal =
      verifyUncached(trust->store.get(), parsed.get(), nowMs, trust->crlNextUpdateMs);
  principal.fingerprint = std::move(fingerprint);
  remember(principal, trust->generation);
  return principal;
}

std::shared_ptr<const CertificateStore::Trust> CertificateStore::currentTrust() const {
  std::lock_guard lock(mutex_);
  return trust_;
}

std::optional<VerifiedPrincipal> CertificateStore::cached(const std::string& fingerprint,
                                                          const Trust& trust, std::int64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto found = byFingerprint_.find(fingerprint);
  if (found == byFingerprint_.end() || trust.generation != trust_->generation) return std::nullopt;
  const VerifiedPrincipal& principal = found->second->second;
  // Time moves on after caching: out of its dates (or the CRL's), verify afresh.
  if (nowMs < principal.notBeforeMs || nowMs > principal.notAfterMs ||
      nowMs > trust.crlNextUpdateMs) {
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, found->second);
  return principal;
}

void CertificateStore::remember(const VerifiedPrincipal& principal, std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  // A CRL that arrived while this was being verified wins: don't cache under it.
  if (generation != trust_->generation || byFingerprint_.count(principal.fingerprint) != 0) return;
  lru_.emplace_front(principal.fingerprint, principal);
  byFingerprint_[principal.fingerprint] = lru_.begin();
  if (lru_.size() > cacheEntries_) {
    byFingerprint_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::int64_t CertificateStore::crlNextUpdateMs() const { return currentTrust()->crlNextUpdateMs; }

std::size_t CertificateStore::cacheSize() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace drover::security
