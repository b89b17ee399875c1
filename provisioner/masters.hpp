#pragma once
// Puppet masters as the bus shows them, and the choice of a master for a node.
//
// A master is any node whose registration lists the flow's master agent (puppetca);
// it can be chosen from its first registration on. It stops being chosen when its
// registrations stop for longer than the heartbeat age, or after `failureLimit` calls
// in a row that got no usable reply (until it answers again or a quiet period of one
// heartbeat age has passed since the last failure).
//
// Selection (selectMaster): facts are compared in the configured order, most specific
// first (region, country, continent). A master's rank is the position of the first
// fact on which it agrees with the node (the node must have that fact); earlier wins,
// so a later fact never overrides an earlier one. Equal ranks go to the master with
// the fewest provisions in flight, then to the smaller identity, so the choice is
// deterministic. A master that agrees on no fact ranks after all that agree on one:
// with no match at all, the node gets the least busy healthy master (the fallback).
// No healthy master at all: no choice, and the node waits.
//
// Not thread safe: the engine calls it under its own lock.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

struct MasterCandidate {
  std::string identity;
  Json facts = Json::object();
  int inFlight = 0;
};

/// The chosen master's identity, or std::nullopt when `candidates` is empty.
std::optional<std::string> selectMaster(const Json& nodeFacts,
                                        const std::vector<MasterCandidate>& candidates,
                                        const std::vector<std::string>& factOrder);

/// Position of the first fact of `factOrder` on which node and master agree, or
/// factOrder.size() when none does.
std::size_t matchRank(const Json& nodeFacts, const Json& masterFacts,
                      const std::vector<std::string>& factOrder);

struct MasterState {
  std::string identity;
  Json facts = Json::object();
  std::int64_t lastSeenMs = 0;
  int failures = 0;  // calls in a row without a usable reply
  std::int64_t lastFailureMs = 0;
  int inFlight = 0;  // nodes in flight that chose this master
};

class MasterDirectory {
 public:
  MasterDirectory(std::int64_t heartbeatAgeMs, int failureLimit)
      : heartbeatAgeMs_(heartbeatAgeMs), failureLimit_(failureLimit) {}

  /// A registration (or inventory reply) from a master.
  void seen(const std::string& identity, Json facts, std::int64_t nowMs);
  /// Outcome of a call to a master: a reply, or silence/error.
  void answered(const std::string& identity);
  void failed(const std::string& identity, std::int64_t nowMs);

  bool known(const std::string& identity) const { return masters_.count(identity) != 0; }
  bool healthy(const std::string& identity, std::int64_t nowMs) const;
  /// Healthy masters with their facts and load, sorted by identity.
  std::vector<MasterCandidate> candidates(std::int64_t nowMs) const;
  const MasterState* find(const std::string& identity) const;
  const std::map<std::string, MasterState>& all() const { return masters_; }

  void addInFlight(const std::string& identity, int delta);
  int inFlight(const std::string& identity) const;

 private:
  bool healthy(const MasterState& master, std::int64_t nowMs) const;

  std::int64_t heartbeatAgeMs_;
  int failureLimit_;
  std::map<std::string, MasterState> masters_;
};

}  // namespace drover::provisioner
