#pragma once
// The registry: every node's last registration (identity, collectives, agents, facts,
// classes, names), kept from the signed heartbeats on `<collective>.registration`, so
// a filter is answered in one round trip instead of a broadcast's quiet window
// (DESIGN.md, "Discovery and RPC"). drover-provisioner hosts it and answers `registry#find`
// (see answer() below); `drover --dm registry` asks it.
//
// A node is fresh while its registrations keep coming: it turns stale once
// `staleAfterMissed` of its registration intervals (which it says in each registration)
// pass without one, and is forgotten after `forgetAfter` more. A node whose heartbeat is
// off (interval 0) never turns stale. A node that says it is leaving (droverd stopping)
// is dropped at once. A registration sent before the one held is ignored: a copy played
// back later does not bring old facts back.
//
// Matching is filter::Filter::matches() on the same view a node matches itself with, so
// a registry lookup selects what a broadcast of the same filter selects, as of the
// nodes' last registrations.
//
// Bounded: at most `maxNodes` identities (a registration of a new one beyond that is
// refused and counted), and every answer holds at most kPageBytes of identities (the
// rest follow on request, after the last identity given).
//
// Thread safe.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::registry {

/// The agent a registry answers as, beside the provisioner's own.
inline constexpr const char* kAgent = "registry";

struct RegistryOptions {
  std::size_t maxNodes = 100000;
  int staleAfterMissed = 3;                     // registration intervals missed
  std::chrono::seconds defaultInterval{300};    // for a registration that does not say
  std::chrono::seconds forgetAfter{24 * 3600};  // stale this long: forgotten
};

/// One node as its last registration described it.
struct Entry {
  std::string identity;
  std::vector<std::string> collectives;
  std::vector<std::string> agents;
  Json facts = Json::object();
  std::vector<std::string> classes;
  std::vector<std::string> names;  // assigned name and aliases (identity() matches them)
  std::int64_t sentMs = 0;         // the registration's own time (the node's clock)
  std::int64_t seenMs = 0;         // when it arrived here (this clock)
  std::int64_t intervalMs = 0;     // the node's registration interval; 0: no heartbeat
  bool leaving = false;            // the node is stopping
};

/// Reads registration data (or an rpcutil#inventory reply's) sent by `sender` into an
/// entry, or std::nullopt with `why` said when it speaks for another identity.
std::optional<Entry> entryFrom(const Json& data, const std::string& sender, std::string& why);

struct StaleNode {
  std::string identity;
  std::int64_t lastSeenMs = 0;
};

/// One page of a lookup, in identity order.
struct Found {
  std::vector<std::string> nodes;  // fresh nodes that match
  std::vector<StaleNode> stale;    // stale nodes that match (not to be asked)
  std::size_t known = 0;           // nodes in the registry, fresh or stale
  std::string next;                // non-empty: more follow after this identity
};

class Registry {
 public:
  /// Most bytes of identities one page holds (kept well under a NATS server's default
  /// 1 MiB max_payload with the envelope around it).
  static constexpr std::size_t kPageBytes = 256 * 1024;

  explicit Registry(RegistryOptions options = {});

  enum class Outcome { Added, Updated, Older, Left, Full };
  /// Records a verified registration that arrived at `nowMs`.
  Outcome observe(Entry entry, std::int64_t nowMs);

  /// The nodes of `collective` matching `filter` ("" matches all; agent(X) for the nodes
  /// hosting X), from just after identity `after`. Throws filter::FilterError.
  Found find(const std::string& filter, const std::string& collective, const std::string& after,
             std::int64_t nowMs) const;

  /// Forgets the nodes stale for longer than forgetAfter. Returns how many.
  std::size_t prune(std::int64_t nowMs);

  /// The `registry#find` reply data for request args {filter, after}; throws
  /// std::invalid_argument naming a bad argument, filter::FilterError for a bad filter.
  Json answer(const Json& args, const std::string& collective, std::int64_t nowMs) const;

  struct Counts {
    std::size_t fresh = 0;
    std::size_t stale = 0;
    std::uint64_t refusedFull = 0;  // registrations of new nodes refused: maxNodes reached
  };
  Counts counts(std::int64_t nowMs) const;

 private:
  bool staleAt(const Entry& entry, std::int64_t nowMs) const;

  RegistryOptions options_;
  mutable std::shared_mutex mutex_;  // guards everything below
  std::map<std::string, Entry, std::less<>> entries_;
  std::uint64_t refusedFull_ = 0;
};

/// "added", "updated", "older", "left", "full": for the log.
const char* toString(Registry::Outcome outcome);

}  // namespace drover::registry
