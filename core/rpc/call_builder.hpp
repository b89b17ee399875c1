#pragma once
// CallBuilder: the one way a request spec is made, by the CLI, the provisioner and the
// benchmarks alike.
//
//   rpc::CallSpec spec = rpc::request("rpcutil", "get_fact")
//                            .args({{"fact", "os.family"}})
//                            .filter("role=web")           // broadcast with a filter, or
//                            .nodes(known)                 // a known set, addressed directly
//                            .timeout(10s)                 // longest wait for the replies
//                            .ttlFloor(config.ttl)         // the caller's configured TTL
//                            .build();
//
// The request's TTL is never set by hand: build() derives it from the wait with
// ttlCovering(timeout, ttlFloor), so whoever calls, a node never stops an action while
// its caller still waits for it (DESIGN.md: a node cuts an action at the request's TTL).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/rpc/client.hpp"
#include "core/security/roles.hpp"
#include "core/util/json.hpp"

namespace drover::rpc {

class CallBuilder {
 public:
  CallBuilder(std::string agent, std::string action);

  /// The action's inputs (a JSON object); none by default.
  CallBuilder& args(Json args);
  /// Filter expression of a broadcast; empty (the default) matches every node.
  CallBuilder& filter(std::string expression);
  /// A known set, addressed directly; std::nullopt (the default) broadcasts.
  CallBuilder& nodes(std::optional<std::vector<std::string>> nodes);
  /// Longest wait for the replies (10 s by default); the TTL covers it.
  CallBuilder& timeout(std::chrono::milliseconds wait);
  /// Broadcast: the silence after the last reply that ends the call (150 ms by default).
  CallBuilder& quiet(std::chrono::milliseconds window);
  /// The shortest TTL to send (60 s by default): the caller's configured `ttl`.
  CallBuilder& ttlFloor(std::chrono::seconds floor);
  /// The role whose certificates may answer (nodes by default).
  CallBuilder& replier(security::Role role);
  /// Accept unsigned replies: only for nodes still enrolling (see CallSpec).
  CallBuilder& acceptUnsigned(bool accept = true);
  /// Broadcast: end as soon as replies claim all of `names` (CallSpec::expect).
  CallBuilder& expect(std::vector<std::string> names);
  /// Broadcast: end once `replies` replies are in (CallSpec::enough).
  CallBuilder& enough(std::size_t replies);

  /// The spec, its TTL derived from timeout and floor. Throws std::invalid_argument
  /// naming the field when the agent or action is empty, the args are not an object,
  /// a wait is negative, or names are expected of a known set.
  CallSpec build() const;

 private:
  CallSpec spec_;
  std::chrono::seconds ttlFloor_{60};
};

/// Starts the request for `agent`'s `action`.
CallBuilder request(std::string agent, std::string action);

/// The filter a discovery of nodes matching `filter` that host `agent` sends (any agent
/// when it is empty or rpcutil, which every node hosts).
std::string discoveryFilter(const std::string& filter, const std::string& agent);

/// The discovery request: rpcutil ping, broadcast to the nodes matching `filter` that
/// host `agent` (any agent when it is empty or rpcutil, which every node hosts).
CallBuilder discovery(const std::string& filter, const std::string& agent);

}  // namespace drover::rpc
