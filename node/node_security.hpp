#pragma once
// A node's message security (DESIGN.md, "Security"): who is asking, whether the
// request is fresh and new, whether that caller may run that action here, the audit
// trail of every decision, and the signature on every message the node sends.
//
// Modes:
//   Enforcing  the node has its own certificate: every request must be signed by a
//              certificate of the collective's CA, fresh, unseen and authorized by
//              policy; every reply and registration is signed.
//   Enrolling  first boot: the node has the CA certificate and a provisioning token
//              but no certificate of its own. It verifies requests as above but
//              serves only the `provision` agent, and only to provisioner
//              certificates; its replies are unsigned (it has no key yet) until
//              installIdentity() switches it to Enforcing.
//   Disabled   the operator turned security off: nothing is checked or signed.
//              The daemon says so in its log, registration and inventory.
//
// Thread safe: authenticate() runs on the bus thread, recordResult() and seal() on
// workers, reload() and installIdentity() on whichever thread handles them.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agents/agent.hpp"
#include "core/envelope/envelope.hpp"
#include "core/filter/filter.hpp"
#include "core/policy/audit_log.hpp"
#include "core/policy/authorizer.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/replay_cache.hpp"
#include "core/security/signing.hpp"
#include "node/node_config.hpp"

namespace drover::node {

enum class SecurityMode { Enforcing, Enrolling, Disabled };

/// "enforcing", "enrolling" or "disabled": as registrations and inventory show it.
std::string_view toString(SecurityMode mode);

/// The agent an enrolling node serves, and the role it serves it to.
inline constexpr std::string_view kEnrolmentAgent = "provision";

class NodeSecurity : public agents::EnrolmentHost {
 public:
  struct Parts {
    SecurityMode mode = SecurityMode::Disabled;
    std::shared_ptr<security::CertificateStore> store;  // not null unless Disabled
    std::shared_ptr<const security::Signer> signer;     // set when Enforcing
    std::unique_ptr<policy::Authorizer> authorizer;     // null: built-in defaults
    std::unique_ptr<policy::AuditLog> audit;            // null: no audit trail
    std::size_t replayEntries = security::ReplayCache::kDefaultMaxEntries;
  };

  /// Throws std::invalid_argument when a mode lacks what it needs.
  explicit NodeSecurity(Parts parts);

  /// Builds what server.yaml asks for (see NodeConfig's security.* keys). Throws
  /// std::runtime_error naming the file or key that is missing or broken, including a
  /// certificate that does not name `config.identity` or is not a node certificate.
  static std::unique_ptr<NodeSecurity> fromConfig(const NodeConfig& config);

  SecurityMode mode() const { return mode_.load(); }

  /// Checks the request's signature and certificate (chain, dates, revocation, role,
  /// sender); a request that also carries a MAC made for this node (rpc::Client's
  /// direct calls to nodes it heard from) is checked by the MAC instead of the
  /// signature, at a fraction of the cost. A request without a signature is refused. Returns the
  /// caller. Throws security::VerifyError. Disabled: returns the unverified sender, role
  /// "unverified". Freshness is the caller's check (one rule, NodeCore's); replay is checkUnseen(),
  /// after it.
  policy::Caller authenticate(const envelope::Envelope& request, std::int64_t nowMs);

  /// Records the request's id until it expires; throws security::VerifyError Replayed
  /// when it was already recorded. Disabled: does nothing.
  void checkUnseen(const envelope::Envelope& request, std::int64_t nowMs);

  /// Whether `caller` may run the request's action on `node`: the policies, and while
  /// Enrolling only `provision` for provisioners. Does not record anything.
  policy::Decision authorize(const policy::Caller& caller, const envelope::Envelope& request,
                             const filter::NodeView& node) const;

  /// Appends the decision line of a request to the audit log (when there is one).
  void recordDecision(const envelope::Envelope& request, const std::string& node,
                      const policy::Caller& caller, const Json& args,
                      const policy::Decision& decision) noexcept;

  /// Appends the result line of a request that ran.
  void recordResult(const envelope::Envelope& request, const std::string& node,
                    const envelope::Status& status, std::chrono::milliseconds took) noexcept;

  /// Signs a message the node sends, when it has a certificate. Throws OpenSslError.
  void seal(envelope::Envelope& message) const;

  /// Seals the reply to `request` as seal() does, except that a request asking for it
  /// (`reply_mac`) is answered with a MAC under the key the node shares with the
  /// caller's certificate: a fraction of a signature's cost, for the caller to check.
  /// Signed instead when that certificate no longer verifies.
  void sealReply(envelope::Envelope& reply, const envelope::Envelope& request) const;

  /// Rereads the CRL file; true when it changed (every cached verification is then
  /// dropped). Cheap enough to call every few seconds. Throws std::runtime_error and
  /// keeps the CRL in force when the new file is broken.
  bool refreshCrl();

  /// Rereads the policy directory; returns how many agents have a policy now. Throws
  /// std::runtime_error naming every broken file, and keeps the policies in force.
  std::size_t reloadPolicies();

  /// Rereads the CRL and policies and reopens the audit log. Throws std::runtime_error
  /// (and keeps what is in force) when a file is broken.
  void reload();

  // agents::EnrolmentHost
  bool enrolled() const override { return mode() == SecurityMode::Enforcing; }
  std::shared_ptr<security::CertificateStore> certificateStore() const override { return store_; }
  /// Enrolling to Enforcing with the node's new certificate.
  void installIdentity(std::shared_ptr<const security::Signer> signer) override;

  /// Requests refused so far because a check failed, by any reason.
  std::uint64_t refusals() const { return refusals_.load(); }
  /// Requests taken on a MAC made for this node instead of their signature.
  std::uint64_t macChecked() const { return macChecked_.load(); }
  std::size_t replayCacheBytes() const { return replay_.memoryBytes(); }

 private:
  std::shared_ptr<const security::Signer> signer() const;

  std::atomic<SecurityMode> mode_;
  std::shared_ptr<security::CertificateStore> store_;
  mutable std::mutex signerMutex_;
  std::shared_ptr<const security::Signer> signer_;  // guarded by signerMutex_
  std::unique_ptr<policy::Authorizer> authorizer_;
  std::unique_ptr<policy::AuditLog> audit_;
  security::ReplayCache replay_;
  std::atomic<std::uint64_t> refusals_{0};
  std::atomic<std::uint64_t> macChecked_{0};
};

}  // namespace drover::node
