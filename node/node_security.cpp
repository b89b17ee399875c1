#include "node/node_security.hpp"

#include <optional>
#include <stdexcept>

#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::node {
namespace {

namespace fs = std::filesystem;

// Callers nobody verified, as the audit log names them.
constexpr std::string_view kUnverifiedRole = "unverified";

std::runtime_error startupError(const std::string& key, const fs::path& file,
                                const std::string& why) {
  return std::runtime_error("security." + key + " (" + file.string() + "): " + why);
}

std::shared_ptr<security::CertificateStore> openStore(const NodeConfig& config) {
  if (!fs::exists(config.caFile)) {
    throw startupError("ca_file", config.caFile,
                       "no CA certificate; copy the collective's ca.pem there "
                       "(or set security.enabled: false, which lets anyone run anything)");
  }
  if (!fs::exists(config.crlFile)) {
    throw startupError("crl_file", config.crlFile,
                       "no revocation list; copy the collective's crl.pem there");
  }
  try {
    return security::CertificateStore::open(config.caFile, config.crlFile);
  } catch (const std::exception& e) {
    throw startupError("ca_file", config.caFile, e.what());
  }
}

// The node's own certificate must be one its peers will accept as this node.
std::shared_ptr<const security::Signer> loadSigner(const NodeConfig& config,
                                                   security::CertificateStore& store) {
  std::shared_ptr<const security::Signer> signer;
  try {
    signer = std::make_shared<const security::Signer>(
        security::Signer::fromFiles(config.keyFile, config.certFile));
  } catch (const std::exception& e) {
    throw startupError("cert_file", config.certFile,
                       std::string(e.what()) + " (key: " + config.keyFile.string() + ")");
  }
  security::VerifiedPrincipal self;
  try {
    self = store.verify(signer->certificateDer(), util::nowMs());
  } catch (const std::exception& e) {
    throw startupError("cert_file", config.certFile, e.what());
  }
  if (self.role != security::Role::Node) {
    throw startupError("cert_file", config.certFile,
                       "certificate of '" + self.name + "' has role " +
                           std::string(security::toString(self.role)) + ", not node");
  }
  if (self.name != config.identity) {
    throw startupError("cert_file", config.certFile,
                       "certificate names '" + self.name + "' but this node's identity is '" +
                           config.identity + "'");
  }
  return signer;
}

std::unique_ptr<policy::Authorizer> openPolicies(const NodeConfig& config) {
  // No directory: only the built-in default (rpcutil reads) applies, which is safe.
  if (!fs::exists(config.policyDir)) return std::make_unique<policy::Authorizer>();
  try {
    return std::make_unique<policy::Authorizer>(config.policyDir);
  } catch (const policy::PolicyError& e) {
    std::string all;
    for (const auto& problem : e.problems()) all += "\n  " + problem;
    throw startupError("policy_dir", config.policyDir, "broken policy:" + all);
  }
}

std::unique_ptr<policy::AuditLog> openAudit(const NodeConfig& config) {
  try {
    if (config.auditLog.has_parent_path()) fs::create_directories(config.auditLog.parent_path());
    return std::make_unique<policy::AuditLog>(config.auditLog);
  } catch (const std::exception& e) {
    throw startupError("audit_log", config.auditLog, e.what());
  }
}

// Every broken policy file's problem, in one line.
std::string joinedProblems(const policy::PolicyError& error) {
  std::string joined;
  for (const auto& problem : error.problems()) joined += (joined.empty() ? "" : "; ") + problem;
  return joined;
}

}  // namespace

std::string_view toString(SecurityMode mode) {
  switch (mode) {
    case SecurityMode::Enforcing: return "enforcing";
    case SecurityMode::Enrolling: return "enrolling";
    case SecurityMode::Disabled: return "disabled";
  }
  return "unknown";
}

NodeSecurity::NodeSecurity(Parts parts)
    : mode_(parts.mode),
      store_(std::move(parts.store)),
      signer_(std::move(parts.signer)),
      authorizer_(parts.authorizer ? std::move(parts.authorizer)
                                   : std::make_unique<policy::Authorizer>()),
      audit_(std::move(parts.audit)),
      replay_(parts.replayEntries) {
  if (parts.mode != SecurityMode::Disabled && !store_) {
    throw std::invalid_argument("node security needs a certificate store");
  }
  if (parts.mode == SecurityMode::Enforcing && !signer_) {
    throw std::invalid_argument("an enforcing node needs its own certificate and key");
  }
}

std::unique_ptr<NodeSecurity> NodeSecurity::fromConfig(const NodeConfig& config) {
  Parts parts;
  if (!config.securityEnabled) return std::make_unique<NodeSecurity>(std::move(parts));
  parts.store = openStore(config);
  if (fs::exists(config.certFile)) {
    parts.mode = SecurityMode::Enforcing;
    parts.signer = loadSigner(config, *parts.store);
  } else if (fs::exists(config.provisioningTokenFile)) {
    parts.mode = SecurityMode::Enrolling;
  } else {
    throw startupError("cert_file", config.certFile,
                       "no certificate, and no provisioning token at " +
                           config.provisioningTokenFile.string() +
                           ": issue one with `drover cert issue " + config.identity +
                           "`, or give the node a provisioning token");
  }
  parts.authorizer = openPolicies(config);
  parts.audit = openAudit(config);
  parts.replayEntries = static_cast<std::size_t>(config.replayCacheEntries);
  return std::make_unique<NodeSecurity>(std::move(parts));
}

policy::Caller NodeSecurity::authenticate(const envelope::Envelope& request, std::int64_t nowMs) {
  if (mode() == SecurityMode::Disabled) return {request.sender, std::string(kUnverifiedRole)};
  try {
    // A request is signed, whatever else it carries: its MAC for this node only spares
    // the signature check.
    if (request.sig.empty()) {
      throw security::VerifyError(security::VerifyError::Reason::Unsigned,
                                  "unsigned message: message " + request.id + " from '" +
                                      request.sender + "'" +
                                      (request.mac.empty() ? "" : " (a MAC alone)"));
    }
    auto own = signer();
    security::VerifiedPrincipal who = security::verifyEnvelope(request, *store_, nowMs, own.get());
    if (who.byMac) ++macChecked_;
    return {who.name, std::string(security::toString(who.role))};
  } catch (const security::VerifyError&) {
    ++refusals_;
    throw;
  }
}

void NodeSecurity::checkUnseen(const envelope::Envelope& request, std::int64_t nowMs) {
  if (mode() == SecurityMode::Disabled) return;
  try {
    security::checkUnseen(request, replay_, nowMs);
  } catch (const security::VerifyError&) {
    ++refusals_;
    throw;
  }
}

policy::Decision NodeSecurity::authorize(const policy::Caller& caller,
                                         const envelope::Envelope& request,
                                         const filter::NodeView& node) const {
  switch (mode()) {
    case SecurityMode::Disabled: return {true, "security disabled on this node"};
    case SecurityMode::Enrolling:
      if (request.agent != kEnrolmentAgent) {
        return {false, "node is not enrolled yet: it serves only the provision agent"};
      }
      if (caller.role != security::toString(security::Role::Provisioner)) {
        return {false, "node is not enrolled yet: only provisioners may call it, not " +
                           caller.role + " '" + caller.name + "'"};
      }
      return {true, "enrolling node: provision agent for provisioner '" + caller.name + "'"};
    case SecurityMode::Enforcing: break;
  }
  return authorizer_->decide(caller, request.agent, request.action, node);
}

void NodeSecurity::recordDecision(const envelope::Envelope& request, const std::string& node,
                                  const policy::Caller& caller, const Json& args,
                                  const policy::Decision& decision) noexcept {
  if (!decision.allowed) ++refusals_;
  if (!audit_) return;
  audit_->recordDecision({request.id, node, caller, request.agent, request.action, args}, decision);
}

void NodeSecurity::recordResult(const envelope::Envelope& request, const std::string& node,
                                const envelope::Status& status,
                                std::chrono::milliseconds took) noexcept {
  if (!audit_) return;
  audit_->recordResult(request.id, node, status.code, status.message, took);
}

std::shared_ptr<const security::Signer> NodeSecurity::signer() const {
  std::lock_guard lock(signerMutex_);
  return signer_;
}

void NodeSecurity::seal(envelope::Envelope& message) const {
  if (mode() == SecurityMode::Disabled) return;
  auto own = signer();
  if (own) security::signEnvelope(message, *own);
}

void NodeSecurity::sealReply(envelope::Envelope& reply, const envelope::Envelope& request) const {
  if (mode() == SecurityMode::Disabled) return;
  auto own = signer();
  if (!own) return;
  if (request.replyMac && !request.cert.empty()) {
    std::optional<security::VerifiedPrincipal> caller;
    try {
      // Verified when the request came in: this is a cache lookup.
      caller = store_->verify(request.cert, util::nowMs());
    } catch (const security::VerifyError&) {
      // Revoked or expired since: a signature, which needs nothing of the caller's.
    }
    if (caller) {
      security::macEnvelope(reply, *own, caller->publicKey.get());
      return;
    }
  }
  security::signEnvelope(reply, *own);
}

bool NodeSecurity::refreshCrl() {
  if (mode() == SecurityMode::Disabled) return false;
  try {
    return store_->reload();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("kept the previous CRL: ") + e.what());
  }
}

std::size_t NodeSecurity::reloadPolicies() {
  if (mode() == SecurityMode::Disabled) return 0;
  try {
    authorizer_->reload();
  } catch (const policy::PolicyError& e) {
    throw std::runtime_error("kept the policies in force: " + joinedProblems(e));
  }
  return authorizer_->agents().size();
}

void NodeSecurity::reload() {
  if (mode() == SecurityMode::Disabled) return;
  std::string problems;
  try {
    store_->reload();
  } catch (const std::exception& e) {
    problems += std::string("CRL: ") + e.what();
  }
  try {
    authorizer_->reload();
  } catch (const policy::PolicyError& e) {
    problems += (problems.empty() ? "" : "; ") + joinedProblems(e);
  }
  if (audit_) audit_->reopen();
  if (!problems.empty()) throw std::runtime_error("kept the previous settings: " + problems);
}

void NodeSecurity::installIdentity(std::shared_ptr<const security::Signer> signer) {
  if (!signer) throw std::invalid_argument("installIdentity needs a signer");
  {
    std::lock_guard lock(signerMutex_);
    signer_ = std::move(signer);
  }
  mode_ = SecurityMode::Enforcing;
}

}  // namespace drover::node
