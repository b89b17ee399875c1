#pragma once
// The collective's names as one table: who holds which name and alias, with the rules
// of research/naming.md done properly. Pure and single-threaded: no clock (every call
// takes `now`), no I/O. The provisioner owns one, persists every Change it returns
// before telling any node (provisioner/naming/), and rebuilds it from the stored
// holdings at start.
//
// Rules
// - A node holds at most one name and its aliases; a name is held by at most one node
//   (or reserved), at every moment: each operation checks and changes the table as one
//   step, so no two callers can be handed one name (Aerostat read, computed and inserted
//   apart).
// - assign: a node that holds a name of the declared service keeps it; a reservation
//   for the node is taken; otherwise the lowest free name: a masterful service fills
//   <service>-master first, then the lowest free slave number; an iterative one the
//   lowest free number. Free means neither held nor reserved. A node that held a name
//   of another service gives it up first.
// - aliases: a declared alias another node holds moves to this node (Change
//   alias_moved, naming both); an alias equal to any held or reserved name is refused.
// - release: the name (and its node's aliases) becomes free: a gap the next node of
//   its service fills.
// - releaseSilent: names whose node was not seen for `releaseAfter` are released; a
//   reservation with no node never expires.
// - promote: a slave becomes <service>-master. The old master, when live (seen within
//   releaseAfter), takes the lowest free slave name counted after the promoted node left
//   its own (normally that one); an old master that is not live loses its name.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/naming/names.hpp"

namespace drover::naming {

/// A name held by a node, or reserved.
struct Holding {
  std::string name;
  std::string service;
  ServiceType type = ServiceType::Iterative;
  std::string node;       // the holder's bus identity; "" for a reservation without a node
  bool reserved = false;  // held for `node` (or anyone named later) until it comes
  std::string address;    // for hosts files; "" until the node reports one
  std::vector<std::string> aliases;  // sorted
  std::int64_t sinceMs = 0;          // when it was assigned or reserved
  std::int64_t lastSeenMs = 0;       // the node's last registration
  bool operator==(const Holding&) const = default;
};

/// One change the table made, in order. The store keeps them as the names' history.
struct Change {
  enum class Kind {
    Assigned,
    Released,
    Reserved,
    Renamed,
    Promoted,
    AliasMoved,
    AliasAdded,
    AliasRemoved
  };
  Kind kind = Kind::Assigned;
  std::string name;  // the name (or alias) concerned
  std::string node;  // who holds it now ("" when released)
  std::string previousNode;
  std::string previousName;  // renamed/promoted: the node's name before
  std::string detail;
  bool operator==(const Change&) const = default;
};

std::string toString(Change::Kind kind);
std::optional<Change::Kind> changeKindFrom(std::string_view text);
Json toJson(const Holding& holding);
Json toJson(const Change& change);
/// Throws std::invalid_argument naming the key (for holdings read back from a store).
Holding holdingFrom(const Json& json);

/// What an operation did. `error` non-empty: nothing changed and it says why.
struct Outcome {
  std::vector<Change> changes;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// One line of every node's hosts file.
struct HostsEntry {
  std::string address;
  std::vector<std::string> names;  // fqdn (when a domain is set), name, then aliases
  bool operator==(const HostsEntry&) const = default;
};

class NameTable {
 public:
  NameTable() = default;
  /// Rebuilds a table from stored holdings. Throws std::invalid_argument naming the
  /// holding when two hold one name or alias, or one node holds two names.
  explicit NameTable(std::vector<Holding> holdings);
  /// Adds a holding read from elsewhere (another provisioner's, through the shared
  /// ledger) when it breaks no rule; returns "" then, or the rule it breaks (and adds
  /// nothing).
  std::string adopt(Holding holding);

  /// Gives `node` a name of `declaration.service` by the rules above. `address` and
  /// `now` are recorded; `now` also counts as the node being seen.
  Outcome assign(const std::string& node, const Declaration& declaration,
                 const std::string& address, std::int64_t now);
  /// Frees `nameOrAlias` (a name: with its aliases; an alias: that alias alone).
  Outcome release(const std::string& nameOrAlias, std::int64_t now);
  /// Frees every name whose node was last seen at or before now - releaseAfterMs.
  Outcome releaseSilent(std::int64_t now, std::int64_t releaseAfterMs);
  /// Holds `name` (a service's name form) for `node` ("" for nobody yet). Refused when
  /// another node holds it; a free name or the same node's reservation is fine.
  Outcome reserve(const std::string& name, const std::string& node, std::int64_t now);
  /// Makes the node (its identity, or the name it holds) its service's master.
  Outcome promote(const std::string& nodeOrName, std::int64_t now, std::int64_t releaseAfterMs);
  /// A registration of `node`: it is live; its address may have changed. Returns
  /// whether anything a hosts file shows changed (the address).
  bool seen(const std::string& node, const std::string& address, std::int64_t now);

  const Holding* byName(const std::string& name) const;
  const Holding* byNode(const std::string& node) const;
  /// The holding an alias points at.
  const Holding* byAlias(const std::string& alias) const;
  /// Every holding, by name; only `service`'s when it is not empty.
  std::vector<Holding> list(const std::string& service = "") const;
  /// Entries for hosts files: every held (not merely reserved) name with an address, by
  /// name. `domain` adds the fqdn first.
  std::vector<HostsEntry> hostsEntries(const std::string& domain) const;
  std::size_t size() const { return byName_.size(); }

 private:
  std::map<std::string, Holding> byName_;
  std::map<std::string, std::string> nameOfNode_;   // node -> name
  std::map<std::string, std::string> nameOfAlias_;  // alias -> name
};

}  // namespace drover::naming
