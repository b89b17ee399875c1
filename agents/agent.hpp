#pragma once
// An agent is a small class behind a non-throwing wrapper. It declares its actions once,
// as a table of name -> handler given to the Agent constructor, which checks the table
// against the agent's DDL: an action the DDL lists without a handler, or a handler for
// an action the DDL does not list, is a RegistrationError naming agent and action, so a
// node never advertises what it cannot do nor runs what it does not describe.
//
// A request's action is looked up once, by the node (findAction: the DDL entry and the
// handler together); handle() then fills DDL input defaults, runs the handler, fills
// DDL output defaults, and turns any exception into a failed reply that names the agent
// and action. Built-in agents and the external-agent runner share it.
#include <chrono>
#include <functional>
#include <map>
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
  std::string caller;      // envelope sender, verified unless security is disabled
  std::string callerRole;  // "admin", "node", "provisioner"; "unverified" without security
  std::string action;
  Json args = Json::object();
  std::chrono::steady_clock::time_point deadline;  // DDL timeout from arrival
};

struct Reply {
  envelope::Status status;
  Json data = Json::object();
};

/// Thrown by a handler for an expected failure; its code goes into the reply status.
class ActionError : public std::runtime_error {
 public:
  ActionError(envelope::StatusCode code, const std::string& what)
      : std::runtime_error(what), code_(code) {}
  envelope::StatusCode code() const { return code_; }

 private:
  envelope::StatusCode code_;
};

/// Thrown by the Agent constructor when an agent's actions and its DDL disagree.
class RegistrationError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Does the work of one action. May throw ActionError or any std::exception.
using Handler = std::function<Reply(const Request&)>;

/// An agent's actions, declared once: action name -> handler.
using ActionTable = std::map<std::string, Handler>;

/// A table serving every action `ddl` lists with one `handler`, for agents whose one
/// entry point reads the action from the request (external programs, stand-ins).
ActionTable everyAction(const ddl::Ddl& ddl, const Handler& handler);

/// One action of a registered agent: its DDL entry and its handler.
struct BoundAction {
  const ddl::Action* ddl = nullptr;
  Handler handler;
};

class Agent {
 public:
  /// Registers `actions` against `ddl`. Throws RegistrationError naming the agent and
  /// every action the DDL lists without a handler or the table has outside the DDL.
  Agent(ddl::Ddl ddl, ActionTable actions);
  virtual ~Agent() = default;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const ddl::Ddl& ddl() const { return ddl_; }
  const std::string& name() const { return ddl_.metadata.name; }

  /// True for agents whose actions only read memory (rpcutil): the node answers
  /// them on its bus thread, so discovery still works while workers are busy.
  virtual bool runsInline() const { return false; }

  /// What this agent adds to the node's registration, under the agent's name in its
  /// data (naming: the node's names); null adds nothing. Called on the bus thread
  /// for every registration: it must be cheap and must not throw.
  virtual Json registrationData() const { return nullptr; }

  /// The action `name`: its DDL entry and handler, or null with `why` set (when given)
  /// to ddl::lookupAction's message. The pointer lives as long as the agent.
  const BoundAction* findAction(const std::string& name, std::string* why = nullptr) const;

  /// Runs `action` (found by findAction) with the DDL's input defaults added to
  /// `request.args` (ddl::applyDefaults). Never throws: errors become a reply status
  /// (ActionError keeps its code, anything else is UnknownError) naming agent and action.
  Reply handle(const BoundAction& action, const Request& request) noexcept;

  /// Looks `request.action` up, then runs it as above; an unknown action is an
  /// UnknownAction reply. For callers that hold no BoundAction (tests, tools).
  Reply handle(const Request& request) noexcept;

 private:
  ddl::Ddl ddl_;
  std::vector<BoundAction> actions_;  // in the order of ddl_.actions
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
  /// Names the node answers to besides its identity (its assigned name and held
  /// aliases): filters' identity() matches them too. Replaces the previous names.
  virtual void setNames(std::vector<std::string> names) { (void)names; }
  /// The names setNames() gave (none by default); rpcutil#ping lists them, so that
  /// `drover -I NAME` finds the identity to address.
  virtual std::vector<std::string> names() const { return {}; }
  /// Asks for a registration now, because what an agent's registrationData() says
  /// changed. Sent by the node after the asking action's reply is queued.
  virtual void requestRegistration() {}
};

}  // namespace drover::agents
