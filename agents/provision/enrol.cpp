// provision#enrol and provision#install_certificate: a first-boot node gets its own
// message-signing certificate (protocol in core/security/enrolment.hpp).
#include <filesystem>

#include "agents/provision/actions.hpp"
#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/security/enrolment.hpp"
#include "core/security/keys.hpp"
#include "core/util/files.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

EnrolmentHost& hostOf(ProvisionContext& context) {
  if (context.settings().enrolment == nullptr) {
    throw ActionError(StatusCode::Aborted,
                      "message security is disabled on this node: there is nothing to enrol");
  }
  return *context.settings().enrolment;
}

// The key of an earlier enrol call is kept, so a retried enrol (its reply lost, the
// provisioner restarted) asks for the same key to be certified.
security::PkeyPtr keyForEnrolment(const fs::path& keyFile) {
  if (fs::exists(keyFile)) return security::readPrivateKey(keyFile);
  if (keyFile.has_parent_path()) fs::create_directories(keyFile.parent_path());
  security::PkeyPtr key = security::generateKey();
  security::writePrivateKey(keyFile, key.get());
  return key;
}

}  // namespace

Reply enrol(const Request& request, ProvisionContext& context) {
  EnrolmentHost& host = hostOf(context);
  const auto& settings = context.settings();
  if (host.enrolled()) return {{}, {{"enrolled", true}, {"csr", ""}, {"proof", ""}}};
  std::lock_guard lock(context.enrolmentMutex());
  security::ProvisioningToken token;
  try {
    token = security::ProvisioningToken::load(settings.tokenFile);
  } catch (const security::EnrolmentError& e) {
    throw ActionError(StatusCode::Refused, e.what());
  }
  if (token.expired(context.nowMs())) {
    throw ActionError(StatusCode::Refused, "the provisioning token of this node expired at " +
                                               security::formatUtc(*token.expiresMs) + " (" +
                                               settings.tokenFile.string() +
                                               "): give it a new token");
  }
  security::PkeyPtr key = keyForEnrolment(settings.keyFile);
  std::string csr = security::csrToPem(security::makeCsr(key.get(), settings.identity).get());
  return {{},
          {{"enrolled", false},
           {"csr", csr},
           {"proof", security::enrolmentProof(token, settings.identity, request.requestId, csr)}}};
}

Reply installCertificate(const Request& request, ProvisionContext& context) {
  EnrolmentHost& host = hostOf(context);
  const auto& settings = context.settings();
  std::lock_guard lock(context.enrolmentMutex());
  std::string pem = request.args.value("certificate", "");
  if (!fs::exists(settings.keyFile)) {
    throw ActionError(StatusCode::Aborted,
                      "no key at " + settings.keyFile.string() + ": call provision#enrol first");
  }
  std::shared_ptr<const security::Signer> signer;
  try {
    signer =
        std::make_shared<const security::Signer>(security::readPrivateKey(settings.keyFile), pem);
  } catch (const std::exception& e) {
    throw ActionError(StatusCode::InvalidData,
                      std::string("certificate does not fit this node's key: ") + e.what());
  }
  security::VerifiedPrincipal principal;
  try {
    principal = host.certificateStore()->verify(signer->certificateDer(), context.nowMs());
  } catch (const std::exception& e) {
    throw ActionError(StatusCode::InvalidData, std::string("certificate refused: ") + e.what());
  }
  if (principal.role != security::Role::Node || principal.name != settings.identity) {
    throw ActionError(StatusCode::InvalidData,
                      "certificate is for " + std::string(security::toString(principal.role)) +
                          " '" + principal.name + "', not for node '" + settings.identity + "'");
  }
  util::writeFileAtomically(settings.certFile, pem);
  host.installIdentity(signer);
  return {{},
          {{"installed", true},
           {"fingerprint", principal.fingerprint},
           {"not_after", security::formatUtc(principal.notAfterMs)}}};
}

}  // namespace drover::agents::provision
