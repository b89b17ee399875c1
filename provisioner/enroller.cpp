#include "provisioner/enroller.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/security/certificate.hpp"
#include "core/security/keys.hpp"
#include "core/security/roles.hpp"

namespace drover::provisioner {
namespace {

std::vector<security::ProvisioningToken> loadTokens(
    const std::vector<std::filesystem::path>& files) {
  if (files.empty()) throw std::runtime_error("enrolment.token_files: no token file given");
  std::vector<security::ProvisioningToken> tokens;
  for (const auto& file : files) {
    try {
      tokens.push_back(security::ProvisioningToken::load(file));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("enrolment.token_files: ") + e.what());
    }
  }
  return tokens;
}

security::CertificateAuthority openCa(const std::filesystem::path& dir) {
  try {
    return security::CertificateAuthority::load(dir);
  } catch (const std::exception& e) {
    throw std::runtime_error("enrolment.ca_dir " + dir.string() + ": " + e.what());
  }
}

}  // namespace

CaEnroller::CaEnroller(const std::vector<std::filesystem::path>& tokenFiles,
                       const std::filesystem::path& caDir)
    : tokens_(loadTokens(tokenFiles)), ca_(openCa(caDir)) {}

bool CaEnroller::reusable(const std::string& identity, const std::string& csrPem,
                          const std::string& certificatePem, std::int64_t nowMs,
                          std::string& fingerprint) {
  try {
    security::X509Ptr cert = security::certificateFromPem(certificatePem);
    security::X509ReqPtr csr = security::csrFromPem(csrPem);
    if (security::certificateName(cert.get()) != identity) return false;
    if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), X509_REQ_get0_pubkey(csr.get())) != 1) {
      return false;  // the node made a new key: the old certificate is not its
    }
    fingerprint = security::fingerprintOf(security::certificateToDer(cert.get()));
    for (const auto& issued : ca_.issued()) {
      if (issued.fingerprint == fingerprint && issued.liveAt(nowMs)) return true;
    }
  } catch (const std::exception&) {
    // Unreadable leftovers are not reused; signing decides what happens instead.
  }
  return false;
}

IssuedIdentity CaEnroller::certify(const std::string& identity, const std::string& requestId,
                                   const std::string& csrPem, const std::string& proof,
                                   const std::optional<std::string>& previous, std::int64_t nowMs) {
  IssuedIdentity out;
  try {
    out.tokenSource = security::checkEnrolment(tokens_, identity, requestId, csrPem, proof, nowMs);
  } catch (const std::exception& e) {
    throw Refused(e.what());
  }
  std::lock_guard lock(mutex_);
  if (previous && reusable(identity, csrPem, *previous, nowMs, out.fingerprint)) {
    out.certificatePem = *previous;
    out.reused = true;
    return out;
  }
  try {
    out.certificatePem = ca_.sign(csrPem, security::Role::Node);
    security::X509Ptr cert = security::certificateFromPem(out.certificatePem);
    out.fingerprint = security::fingerprintOf(security::certificateToDer(cert.get()));
  } catch (const security::CertificateAuthority::Error& e) {
    std::string why = e.what();
    if (why.find("already has a live certificate") != std::string::npos) {
      why +=
          " (this provisioner did not issue it for the node's current key; after "
          "`drover cert revoke --name " +
          identity + "`, `drover provision retry " + identity + "` enrols the node)";
    }
    throw CannotIssue("CA " + ca_.directory().string() + ": " + why);
  } catch (const std::exception& e) {
    throw CannotIssue("CA " + ca_.directory().string() + ": " + e.what());
  }
  return out;
}

}  // namespace drover::provisioner
