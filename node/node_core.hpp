#pragma once
// The transport-free heart of a node: identity, collectives, facts, classes and
// agents, and the checks every request passes before an agent runs. The daemon
// (node/daemon.hpp) and the fleet simulator (bench/) drive it with their own sockets.
//
// Threading: inspect() and the filter cache belong to the bus thread; facts and
// classes may be replaced from the bus thread while workers read them (shared lock);
// counters are atomics.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agents/agent.hpp"
#include "core/envelope/envelope.hpp"
#include "core/filter/filter.hpp"
#include "node/node_metrics.hpp"
#include "node/node_security.hpp"

namespace drover::node {

struct NodeIdentity {
  std::string identity;
  std::string mainCollective = "drover";
  std::vector<std::string> collectives{"drover"};  // includes mainCollective
  std::uint32_t maxTtl = 3600;                     // seconds; longer TTLs are refused
  std::int64_t maxSkewMs = 30000;  // security.max_clock_skew: how far ahead a caller may be
  // registration_interval, said in each registration so a registry knows when the node
  // has gone quiet; 0: no heartbeat.
  std::uint32_t registrationIntervalS = 300;
};

/// What to do with one arrived request.
///   Ignore  not for this node: another collective, a topic that does not fit the
///           request, a direct request naming other targets, a filter that does not
///           match, an agent not hosted (broadcast)
///   Drop    refused without an answer: whatever is not from a verified caller
///           (unsigned, forged, untrusted certificate), a replayed copy, a reply topic
///           that is not the caller's. Nobody but a verified caller makes a node talk,
///           and a copy of a request never answers in the original's place.
///   Reply   refused with an answer to a verified caller (the signed refusal in
///           `reply`, its data naming the refusal: {"refused": "not_authorized"})
///   Run     accepted: `agent` runs `action` (its DDL entry and handler) for `request`
struct Decision {
  enum class Kind { Ignore, Drop, Reply, Run } kind = Kind::Ignore;
  envelope::Envelope reply;                     // Kind::Reply: the refusal to send
  agents::Agent* agent = nullptr;               // Kind::Run
  const agents::BoundAction* action = nullptr;  // Kind::Run: of `agent`, looked up once
  agents::Request request;                      // Kind::Run: validated arguments
  std::string reason;                           // Kind::Ignore/Drop/Reply: why, for the log
};

class NodeCore : public agents::NodeInfo {
 public:
  /// `security` null: nothing is verified or signed (benchmarks and unit tests of
  /// the other checks; droverd always passes NodeSecurity::fromConfig()).
  explicit NodeCore(NodeIdentity identity, std::shared_ptr<NodeSecurity> security = nullptr);

  /// Adds an agent. Throws std::invalid_argument if one of that name exists.
  /// Not thread safe: call before the node starts serving.
  void addAgent(std::unique_ptr<agents::Agent> agent);
  agents::Agent* findAgent(const std::string& name) const;
  std::vector<std::string> agentNames() const;

  /// Replace facts/classes; return true when they differ from the current ones.
  bool setFacts(Json facts);
  bool setClasses(std::vector<std::string> classes);

  /// Runs every check of a request, the cheap ones first: type, collective, that it
  /// came on a topic that fits it (`topic`: the node's own, or the broadcast topic of
  /// its agent), its targets, its reply topic; then signature and certificate,
  /// freshness (TTL limit, age, clock skew: security.max_clock_skew), replay; then
  /// filter, agent, action, authorization, DDL inputs. Records the decision of every
  /// verified caller in the audit log.
  Decision inspect(const envelope::Envelope& request, std::string_view topic);

  /// Runs a request inspect() accepted, audits its result and builds the signed
  /// reply envelope, whose timing says `queued` (how long it waited for a worker) and
  /// what the action took. Thread safe.
  envelope::Envelope execute(const Decision& decision, const envelope::Envelope& request,
                             std::chrono::microseconds queued = {});

  /// A signed reply with `status` (busy) to a request inspect() accepted.
  envelope::Envelope replyTo(const envelope::Envelope& request, envelope::Status status) const;

  /// The signed registration heartbeat: identity, collectives, agents, facts, classes,
  /// names, security mode, registration interval, and each agent's registrationData()
  /// under its name. `leaving`: the last one, sent as the node stops.
  envelope::Envelope registration(const std::string& collective, bool leaving = false) const;

  /// True once after an agent asked for a registration (requestRegistration()).
  bool takeRegistrationRequest() { return registrationWanted_.exchange(false); }
  /// Whether one is pending, without taking it.
  bool registrationRequested() const { return registrationWanted_.load(); }
  /// The names set by setNames(), which filters match with identity().
  std::vector<std::string> names() const override;

  /// The node's security, or null when built without.
  NodeSecurity* security() const { return security_.get(); }
  SecurityMode securityMode() const;

  /// Topics this node must subscribe to.
  std::vector<std::string> topics() const;

  void countBusy() {
    ++busy_;
    metrics_.countRefusal("busy");
  }
  void countReply() { ++replies_; }

  /// Prometheus counters (node/node_metrics.hpp) and the counts they read at a scrape.
  const NodeMetrics& metrics() const { return metrics_; }
  std::uint64_t received() const { return total_.load(); }
  std::uint64_t filtered() const { return filtered_.load(); }
  std::int64_t startedMs() const { return startedMs_; }

  // agents::NodeInfo
  std::string identity() const override { return id_.identity; }
  Json facts() const override;
  std::vector<std::string> classes() const override;
  Json agentInventory() const override;
  std::string mainCollective() const override { return id_.mainCollective; }
  std::vector<std::string> collectives() const override { return id_.collectives; }
  Json stats() const override;
  std::string version() const override;
  std::string securityStatus() const override { return std::string(toString(securityMode())); }
  agents::EnrolmentHost* enrolmentHost() const override {
    return securityMode() == SecurityMode::Disabled ? nullptr : security_.get();
  }
  void setNames(std::vector<std::string> names) override;
  void requestRegistration() override { registrationWanted_ = true; }

 private:
  Decision refuse(const envelope::Envelope& request, envelope::StatusCode code,
                  std::string_view refusal, const std::string& why);
  Decision drop(std::string_view reason, std::string why);      // reason: a metrics label word
  const filter::Filter* cachedFilter(const std::string& text);  // bus thread only
  filter::NodeView viewLocked() const;                          // stateMutex_ held
  Json agentRegistrations() const;
  Decision admit(const envelope::Envelope& request, bool direct, policy::Caller caller);
  void seal(envelope::Envelope& message) const;
  void sealReply(envelope::Envelope& reply, const envelope::Envelope& request) const;

  std::shared_ptr<NodeSecurity> security_;
  NodeMetrics metrics_;

  NodeIdentity id_;
  std::map<std::string, std::unique_ptr<agents::Agent>> agents_;
  std::vector<std::string> agentNames_;  // sorted; fixed once serving starts
  mutable std::shared_mutex stateMutex_;
  Json facts_ = Json::object();       // guarded by stateMutex_
  std::vector<std::string> classes_;  // guarded by stateMutex_
  std::vector<std::string> names_;    // guarded by stateMutex_
  std::atomic<bool> registrationWanted_{false};
  std::map<std::string, filter::Filter> filterCache_;
  std::int64_t startedMs_;
  std::atomic<std::uint64_t> total_{0}, passed_{0}, filtered_{0}, refused_{0}, ttlExpired_{0},
      replies_{0}, busy_{0};
};

}  // namespace drover::node
