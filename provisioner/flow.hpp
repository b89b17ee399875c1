#pragma once
// A provisioning flow, loaded from YAML (etc/flows/classic.yaml is the shipped one):
// which nodes enter it, how they are claimed, and the ordered steps each goes through.
// Every problem in a flow file is reported as FILE:LINE:COLUMN: KEY: what is wrong.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

class FlowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Target { Node, Master, AllMasters };
enum class StepKind { Action, PickMaster, Notify, AssignName };
/// What one reply means for its step. Redo goes back to an earlier step (the rule's
/// `from`) and runs the flow on from there: a certificate made for a key the node no
/// longer has is cured by cleaning and requesting again, not by rerunning Puppet.
enum class Verdict { Done, Retry, Fail, Redo };

std::string toString(Target target);
std::string toString(Verdict verdict);

/// One agent action, its target and its templated arguments.
struct ActionCall {
  std::string agent;
  std::string action;
  Target target = Target::Node;
  Json args = Json::object();  // strings may hold {{...}} templates
};

/// A rule turning a reply into a verdict. `status` is "ok", "failed" (a reply that is
/// not OK) or "no_reply", empty for any; `when` must be a subset of the reply data.
struct OutcomeRule {
  std::string status;
  Json when = Json::object();
  Verdict verdict = Verdict::Done;
  int line = 0;
  std::string from;  // Redo: the step to go back to (this one or an earlier one)
};

/// An action whose OK reply matching `when` proves something (a step already done,
/// a node already provisioned). A verify probe may have a lookup (as a step may).
struct Probe {
  ActionCall call;
  Json when = Json::object();
  std::optional<ActionCall> lookup;
};

struct Backoff {
  std::chrono::milliseconds initial{2000};
  std::chrono::milliseconds max{60000};
  double factor = 2.0;
  /// Delay before attempt `attempt` (1-based retry count): initial * factor^(n-1), capped.
  std::chrono::milliseconds delay(int attempt) const;
};

struct Step {
  std::string name;
  StepKind kind = StepKind::Action;
  ActionCall call;  // Action
  // Asked right before every call of the step (each attempt): the data of its OK reply
  // is {{lookup.FIELD}} in the call's arguments. What the call needs to know of this
  // moment, not of the provisioner's memory: the key the node holds now, say. A lookup
  // that fails or gives no reply is a failed attempt; the call is not made.
  std::optional<ActionCall> lookup;
  std::string event = "provisioned";  // Notify: the event it sends
  // AssignName: the service a node that declares none gets ({service, type, aliases}
  // as naming::declarationFrom reads it); null: such a node keeps its identity.
  Json naming;
  std::chrono::milliseconds timeout{60000};
  int retries = 3;  // attempts after the first
  Backoff backoff;
  std::vector<OutcomeRule> outcomes;  // checked in order before the defaults
  std::optional<Probe> verify;        // run before repeating an interrupted call
  int line = 0;
};

struct ClaimSpec {
  std::string agent = "provision";
  std::string claimAction = "claim";      // args {owner, lease_seconds}
  std::string releaseAction = "release";  // args {owner}
  std::chrono::milliseconds timeout{15000};
  int retries = 3;
  Backoff backoff;
};

struct Flow {
  std::string name;
  std::string source;                    // file name, for messages
  std::string nodeAgent = "provision";   // nodes hosting it are provisioned
  std::string masterAgent = "puppetca";  // nodes hosting it are masters (never provisioned)
  ClaimSpec claim;
  std::optional<Probe> alreadyProvisioned;
  std::vector<Step> steps;
  int redoLimit = 3;  // `redo` verdicts one node may take in one run; then it fails

  /// Index of the pick_master step, if the flow has one.
  std::optional<std::size_t> pickMasterIndex() const;
  /// Index of the step called `name`, if any.
  std::optional<std::size_t> indexOf(const std::string& name) const;
};

/// Parses flow YAML; `name` stands for the file in messages. Throws FlowError.
Flow parseFlow(const std::string& text, const std::string& name);
/// Reads and parses a flow file. Throws FlowError (unreadable file included).
Flow loadFlowFile(const std::filesystem::path& file);

/// The verdict of `rules` then the defaults (OK: done; anything else: retry) for one
/// reply. `status` is "ok", "failed" or "no_reply".
Verdict judge(const std::vector<OutcomeRule>& rules, const std::string& status, const Json& data);
/// The first rule matching one reply, nullptr when only the defaults apply.
const OutcomeRule* matchingRule(const std::vector<OutcomeRule>& rules, const std::string& status,
                                const Json& data);

/// True when every key of `when` is in `data` with an equal value (nested objects
/// compared the same way); a single value matches a list that contains it
/// (`completed_steps: run_puppet:production`).
bool matches(const Json& when, const Json& data);

}  // namespace drover::provisioner
