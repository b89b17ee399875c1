#pragma once
// An agent is a small class behind a non-throwing wrapper: handle() fills DDL input
// defaults, runs the protected run(), fills DDL output defaults, and turns any exception
// into a failed reply that names the agent and action. Built-in agents and the
// external-agent runner share it.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ddl/ddl.hpp"
#include "core/envelope/envelope.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/signing.hpp"
#include "core/util/json.hpp"

namespace drover::agents {

/// What an agent sees of one request. `args` are already validated against the DDL;
/// Agent::handle() adds the DDL's default of every input the caller left out.
struct Request {
  std::string requestId;
  std::string caller;       // envelope sender, verified unless security is disabled
  std::string callerRole;   // "admin", "node", "provisioner"; "unverified" without security
  std::string action;
  Json args = Json::object();
  std::chrono::steady_clock::time_point deadline;  // DDL timeout from arrival
};

struct Reply {
  envelope::Status status;
  Json data = Json::object();
};

/// Thrown by run() for an expected failure; its code goes into the reply status.
class ActionError : public std::runtime_error {
 public:
  ActionError(envelope::StatusCode code, const std::string& what)
      : std::runtime_error(what), code_(code) {}
  envelope::StatusCode code() const { return code_; }

 private:
  envelope::StatusCode code_;
};

class Agent {
 public:
  explicit Agent(ddl::Ddl ddl) : ddl_(std::move(ddl)) {}
  virtual ~Agent() = default;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const ddl::Ddl& ddl() const { return ddl_; }
  const std::string& name() const { return ddl_.metadata.name; }

  /// True for agents whose actions only read memory (rpcutil): the node answers
  /// them on its bus thread, so discovery still works while workers are busy.
  virtual bool runsInline() const { return false; }

  /// Runs one action with the DDL's input defaults added to `request.args` (ddl::
  /// applyDefaults). Never throws: errors become a reply status (ActionError keeps its
  /// code, anything else is UnknownError) naming agent and action.
  Reply handle(const Request& request) noexcept;

 protected:
  /// Does the work. May throw ActionError or any std::exception.
  virtual Reply run(const Request& request) = 0;

 private:
  ddl::Ddl ddl_;
};

/// What first-boot enrolment (provision#enrol) needs of the node's message security.
/// Implemented by node/node_security.hpp. Thread safe.
class EnrolmentHost {
 public:
  virtual ~EnrolmentHost() = default;
  /// True once the node has a certificate of its own.
  virtual bool enrolled() const = 0;
  /// The store that verifies certificates against the collective's CA.
  virtual std::shared_ptr<security::CertificateStore> certificateStore() const = 0;
  /// Switches the node to signing with its new certificate.
  virtual void installIdentity(std::shared_ptr<const security::Signer> signer) = 0;
};

/// What built-in agents may ask of the node they run in. Implementations are thread
/// safe: agents run on worker threads.
class NodeInfo {
 public:
  virtual ~NodeInfo() = default;
  virtual std::string identity() const = 0;
  virtual Json facts() const = 0;
  virtual std::vector<std::string> classes() const = 0;
  /// Metadata of every loaded agent, as DDL metadata JSON objects.
  virtual Json agentInventory() const = 0;
  virtual std::string mainCollective() const = 0;
  virtual std::vector<std::string> collectives() const = 0;
  /// Counters of the daemon (requests, replies, filtered, refused, uptime, ...).
  virtual Json stats() const = 0;
  virtual std::string version() const = 0;
  /// "enforcing", "enrolling" or "disabled" (node/node_security.hpp).
  virtual std::string securityStatus() const = 0;
  /// The node's enrolment, or null when security is off.
  virtual EnrolmentHost* enrolmentHost() const { return nullptr; }
};

}  // namespace drover::agents
