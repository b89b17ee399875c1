#pragma once
// One node's provisioning state, as the engine keeps it and the store persists it.
//
// States:
//   waiting            known and not finished; queued for a slot, a master or its claim
//   running            claimed by us and going through the flow's steps
//   claimed_elsewhere  another provisioner holds its claim; asked again later
//   held               an operator said hold; nothing runs until `retry`
//   provisioned        every step done (final)
//   failed             a step failed beyond its retries; `retry` resumes at that step
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/util/json.hpp"

namespace drover::provisioner {

enum class NodeState { Waiting, Running, ClaimedElsewhere, Held, Provisioned, Failed };
/// First-boot enrolment: not needed (the node has its own certificate, or security is
/// off), required (it registered as enrolling), enrolled (done here). Stored as "",
/// "required", "enrolled".
enum class Enrolment { NotNeeded, Required, Enrolled };

std::string toString(NodeState state);
/// Throws std::invalid_argument for an unknown name.
NodeState nodeStateFrom(const std::string& name);
std::string toString(Enrolment enrolment);
/// Throws std::invalid_argument for an unknown name.
Enrolment enrolmentFrom(const std::string& name);

/// A call the store was told about before it went out: on restart, a node with an
/// intent was interrupted mid-call and its step is reconciled (verified) before rerun.
struct Intent {
  std::string step;  // step name, or "claim"/"release"/"already_provisioned"
  int attempt = 0;
  std::int64_t attemptId = 0;  // row in the attempts table
  std::int64_t startedMs = 0;
};

struct NodeRecord {
  std::string identity;
  NodeState state = NodeState::Waiting;
  std::size_t step = 0;    // index into the flow's steps
  std::string stepName;    // name of that step (indexes may shift when the flow changes)
  int attempt = 0;         // failed attempts of the current step so far
  std::string master;      // chosen master, empty before pick_master
  bool claimed = false;    // we hold the node's claim
  bool checked = false;    // already_provisioned probe done (or not needed)
  bool reconcile = false;  // the current step was interrupted: verify before rerunning
  std::optional<Intent> intent;
  Json facts = Json::object();
  std::int64_t firstSeenMs = 0;
  std::int64_t startedMs = 0;  // flow started (first claim), 0 before
  std::int64_t updatedMs = 0;
  std::int64_t finishedMs = 0;
  std::int64_t nodeStartedMs = 0;  // the node daemon's start time in its last registration
  std::string lastError;
  Enrolment enrolment = Enrolment::NotNeeded;
  // Naming: what the node declares in its registration (its `naming` object:
  // service, type, aliases, ...), and the name and fqdn the assign_name step gave it
  // (kept by the name keeper; "" before).
  Json naming = Json::object();
  std::string name;
  std::string fqdn;
  // The flow it goes through, by name; "" for the provisioner's default flow (flow_file).
  // A deployment's pool may name another (deployments.flow_files).
  std::string flow;
};

/// One row of a node's history: a step attempt, a claim, a master choice, an operator
/// action. Open attempts (finishedMs == 0) were interrupted by a restart.
struct AttemptRecord {
  std::int64_t id = 0;
  std::string identity;
  std::string step;
  int attempt = 0;
  std::string target;  // node, a master, or the masters called
  std::int64_t startedMs = 0;
  std::int64_t finishedMs = 0;
  std::string outcome;  // done, retry, fail, interrupted, skipped, chosen, ...
  std::string error;
  Json data = Json::object();
  // What the called nodes said (the lookup's and the call's; of several nodes called at
  // once, the longest): how long the request waited there for a worker, what the agent's
  // action took, and of that the programs it ran (Puppet, a CA command). An attempt's
  // time less programMs is Drover's: the bus, the queue, the checks, the provisioner.
  std::int64_t queuedMs = 0;
  std::int64_t agentMs = 0;
  std::int64_t programMs = 0;
};

Json toJson(const NodeRecord& node);
Json toJson(const AttemptRecord& attempt);

}  // namespace drover::provisioner
