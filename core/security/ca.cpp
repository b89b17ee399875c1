#include "core/security/ca.hpp"

#include "core/log/log.hpp"
#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::security {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKeyFile = "ca.key";
constexpr const char* kCertFile = "ca.crt";
constexpr const char* kSerialFile = "serial";
constexpr const char* kIndexFile = "index";
constexpr const char* kCrlFile = "crl.pem";
constexpr const char* kLockFile = ".lock";
constexpr const char* kCaSerial = "01";  // leaves start at 02: serials are unique per issuer
// Certificates start a little in the past so a node whose clock lags accepts them.
constexpr std::int64_t kBackdateMs = 5 * 60 * 1000;

const log::Logger logger{"drover.security"};

// Parses and checks a CSR from the network: well formed, self-signed, Ed25519.
X509ReqPtr checkedCsr(std::string_view csrPem) {
  X509ReqPtr csr;
  try {
    csr = csrFromPem(csrPem);
  } catch (const OpenSslError& e) {
    throw CertificateAuthority::Error(std::string("not a PEM certificate signing request: ") +
                                      e.what());
  }
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (key == nullptr || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    throw CertificateAuthority::Error("certificate signing request is not for an Ed25519 key");
  }
  if (X509_REQ_verify(csr.get(), key) != 1) {
    clearOpenSslErrors();
    throw CertificateAuthority::Error("certificate signing request has a bad signature");
  }
  return csr;
}

void refuseIfLive(const std::vector<IssuedCertificate>& index, const std::string& name,
                  std::int64_t nowMs) {
  for (const auto& entry : index) {
    if (entry.name != name || !entry.liveAt(nowMs)) continue;
    throw CertificateAuthority::Error("'" + name + "' already has a live certificate (serial " +
                                      entry.serial + ", expires " + formatUtc(entry.notAfterMs) +
                                      "); revoke it first");
  }
}

CertificateSpec leafSpec(const std::string& name, const std::string& serial,
                         const CertificateAuthority::IssueOptions& options, std::int64_t nowMs) {
  std::int64_t notBefore = options.notBeforeMs.value_or(nowMs - kBackdateMs);
  std::int64_t notAfter = options.notAfterMs.value_or(notBefore + options.validityDays * kMsPerDay);
  return {name, serial, notBefore, notAfter};
}

}  // namespace

CertificateAuthority::CertificateAuthority(fs::path dir, PkeyPtr key, X509Ptr cert)
    : dir_(std::move(dir)), key_(std::move(key)), cert_(std::move(cert)) {}

CertificateAuthority CertificateAuthority::create(const fs::path& dir, const std::string& name,
                                                  int validityDays) {
  if (name.empty()) throw Error("a CA needs a name");
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  DirectoryLock lock(dir / kLockFile);
  if (fs::exists(dir / kKeyFile))
    throw Error(dir.string() + " already holds a CA (" + kKeyFile + ")");
  std::int64_t now = util::nowMs();
  PkeyPtr key = generateKey();
  X509Ptr cert = makeCaCertificate(
      key.get(), {name, kCaSerial, now - kBackdateMs, now + validityDays * kMsPerDay});
  util::writeFileAtomically(dir / kCertFile, certificateToPem(cert.get()));
  util::writeFileAtomically(dir / kSerialFile, "02\n");
  writeIndex(dir / kIndexFile, {});
  CertificateAuthority ca(dir, std::move(key), std::move(cert));
  ca.writeCrl({}, now);
  writePrivateKey(dir / kKeyFile, ca.key_.get());  // last: its presence means "a whole CA"
  logger()->info("created CA name='{}' dir={} valid_days={}", name, dir.string(), validityDays);
  return ca;
}

CertificateAuthority CertificateAuthority::load(const fs::path& dir) {
  if (!fs::exists(dir / kKeyFile) || !fs::exists(dir / kCertFile)) {
    throw Error(dir.string() + " holds no CA (" + kKeyFile + " and " + kCertFile + ")");
  }
  PkeyPtr key = readPrivateKey(dir / kKeyFile);
  X509Ptr cert = certificateFromPem(util::readFile(dir / kCertFile));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    clearOpenSslErrors();
    throw Error(dir.string() + ": " + kKeyFile + " does not match " + kCertFile);
  }
  return CertificateAuthority(dir, std::move(key), std::move(cert));
}

std::string CertificateAuthority::sign(std::string_view csrPem, Role role,
                                       const IssueOptions& options) {
  X509ReqPtr csr = checkedCsr(csrPem);
  std::string name = commonName(X509_REQ_get_subject_name(csr.get()));
  try {
    checkNameForRole(name, role);
  } catch (const std::invalid_argument& e) {
    throw Error(e.what());
  }
  DirectoryLock lock(file(kLockFile));
  X509Ptr cert = issueLocked(csr.get(), name, role, options);
  logger()->info("issued certificate name='{}' role={} serial={} not_after={}", name,
                 toString(role), serialHex(cert.get()), formatUtc(notAfterMs(cert.get())));
  return certificateToPem(cert.get());
}

X509Ptr CertificateAuthority::issueLocked(X509_REQ* csr, const std::string& name, Role role,
                                          const IssueOptions& options) {
  std::int64_t now = util::nowMs();
  auto index = readIndex(file(kIndexFile));
  refuseIfLive(index, name, now);
  std::string serial = readSerial(file(kSerialFile));
  // The serial moves on before the certificate exists, so a crash never reuses one.
  util::writeFileAtomically(file(kSerialFile), nextSerial(serial) + "\n");
  CertificateSpec spec = leafSpec(name, serial, options, now);
  X509Ptr cert =
      makeLeafCertificate(key_.get(), cert_.get(), X509_REQ_get0_pubkey(csr), role, spec);
  index.push_back({serialHex(cert.get()), name, role, spec.notBeforeMs, spec.notAfterMs,
                   fingerprintOf(certificateToDer(cert.get()))});
  writeIndex(file(kIndexFile), index);
  return cert;
}

void CertificateAuthority::revoke(const std::string& name) {
  DirectoryLock lock(file(kLockFile));
  std::int64_t now = util::nowMs();
  auto index = readIndex(file(kIndexFile));
  int count = 0;
  for (auto& entry : index) {
    if (entry.name != name || entry.revoked) continue;
    entry.revoked = true;
    entry.revokedAtMs = now;
    ++count;
  }
  if (count == 0) throw Error("no unrevoked certificate was issued to '" + name + "'");
  writeIndex(file(kIndexFile), index);
  writeCrl(index, now);
  logger()->info("revoked name='{}' certificates={}", name, count);
}

void CertificateAuthority::refreshCrl() {
  DirectoryLock lock(file(kLockFile));
  writeCrl(readIndex(file(kIndexFile)), util::nowMs());
}

void CertificateAuthority::writeCrl(const std::vector<IssuedCertificate>& index,
                                    std::int64_t nowMs) const {
  // Expired entries stay listed: a verifier whose clock lags must still see them revoked.
  std::vector<RevokedSerial> revoked;
  for (const auto& entry : index) {
    if (entry.revoked) revoked.push_back({entry.serial, entry.revokedAtMs});
  }
  X509CrlPtr crl =
      makeCrl(key_.get(), cert_.get(), revoked, nowMs, nowMs + kCrlValidityDays * kMsPerDay);
  util::writeFileAtomically(file(kCrlFile), crlToPem(crl.get()));
}

std::vector<IssuedCertificate> CertificateAuthority::issued() const {
  return readIndex(file(kIndexFile));
}

std::string CertificateAuthority::certificatePem() const { return certificateToPem(cert_.get()); }

std::string CertificateAuthority::crlPem() const { return util::readFile(file(kCrlFile)); }

fs::path CertificateAuthority::certificateFile() const { return file(kCertFile); }

fs::path CertificateAuthority::crlFile() const { return file(kCrlFile); }

}  // namespace drover::security
