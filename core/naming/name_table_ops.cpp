// NameTable's operations that change names (the rules are in name_table.hpp). Each one
// checks everything first, then edits through TableEdit: it fails leaving the table as
// it was, or completes and returns its Changes in the order they happened.
#include <algorithm>

#include <fmt/format.h>

#include "core/naming/name_table.hpp"
#include "core/naming/table_edit.hpp"

namespace drover::naming {
namespace {

using detail::TableEdit;
using Kind = Change::Kind;

// "held by node 'a'", "reserved for node 'a'", "reserved for nobody".
std::string holderText(const Holding& holding) {
  if (!holding.reserved) return fmt::format("held by node '{}'", holding.node);
  if (holding.node.empty()) return "reserved for nobody";
  return fmt::format("reserved for node '{}'", holding.node);
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string assignProblem(const NameTable& table, const std::string& node,
                          const Declaration& declaration) {
  if (node.empty()) return "assign: the node identity is empty";
  if (auto error = checkDeclaration(declaration); !error.empty()) {
    return fmt::format("assign: node '{}': {}", node, error);
  }
  for (const auto& alias : declaration.aliases) {
    if (const Holding* holding = table.byName(alias)) {
      return fmt::format("assign: node '{}': alias '{}' is a name {}", node, alias,
                         holderText(*holding));
    }
  }
  return "";
}

std::string noFreeName(const Declaration& declaration) {
  return fmt::format("assign: {} service '{}' has no free name: every one up to '{}' is taken",
                     toString(declaration.type), declaration.service,
                     nameOf(declaration.service, declaration.type, kMaxNumber));
}

// Frees `name` with its aliases. `name` is a copy: a caller's may live in the holding
// taken.
void releaseName(TableEdit& edit, std::string name, const std::string& why,
                 std::vector<Change>& changes) {
  Holding old = edit.take(name);
  changes.push_back({Kind::Released, name, "", old.node, "", why});
  for (const auto& alias : old.aliases) {
    changes.push_back(
        {Kind::AliasRemoved, alias, "", old.node, "", fmt::format("released with '{}'", name)});
  }
}

// A node switching service gives up its name (or a reservation of the other service)
// but keeps its aliases: they follow it to its new name.
std::vector<std::string> leave(TableEdit& edit, std::string name, const Declaration& declaration,
                               std::vector<Change>& changes) {
  Holding old = edit.take(name);
  changes.push_back({Kind::Released, name, "", old.node, "",
                     fmt::format("node '{}' now declares {} service '{}'", old.node,
                                 toString(declaration.type), declaration.service)});
  return old.aliases;
}

void moveAlias(TableEdit& edit, Holding& holding, const std::string& alias,
               std::vector<Change>& changes) {
  if (Holding* other = edit.holderOfAlias(alias)) {
    edit.removeAlias(*other, alias);
    changes.push_back({Kind::AliasMoved, alias, holding.node, other->node, "",
                       fmt::format("from '{}' to '{}'", other->name, holding.name)});
  } else {
    changes.push_back(
        {Kind::AliasAdded, alias, holding.node, "", "", fmt::format("to '{}'", holding.name)});
  }
  edit.addAlias(holding, alias);
}

// The node's aliases become exactly the declared ones.
void syncAliases(TableEdit& edit, Holding& holding, std::vector<std::string> declared,
                 std::vector<Change>& changes) {
  std::sort(declared.begin(), declared.end());
  for (const auto& alias : declared) {
    if (!contains(holding.aliases, alias)) moveAlias(edit, holding, alias, changes);
  }
  std::vector<std::string> dropped;
  for (const auto& alias : holding.aliases) {
    if (!contains(declared, alias)) dropped.push_back(alias);
  }
  for (const auto& alias : dropped) {
    edit.removeAlias(holding, alias);
    changes.push_back({Kind::AliasRemoved, alias, "", holding.node, "",
                       fmt::format("no longer declared by node '{}'", holding.node)});
  }
}

std::string reserveProblem(const NameTable& table, const std::string& name,
                           const std::string& node) {
  if (!parseName(name)) {
    return fmt::format(
        "reserve: '{}' is no service name (<service>-master, <service>-slave-N or <service>-N)",
        name);
  }
  if (const Holding* holder = table.byAlias(name)) {
    return fmt::format("reserve: '{}' is an alias of node '{}'", name, holder->node);
  }
  const Holding* existing = table.byName(name);
  if (existing != nullptr && existing->node != node && !existing->node.empty()) {
    return fmt::format("reserve: '{}' is {}: release it first", name, holderText(*existing));
  }
  const Holding* mine = node.empty() ? nullptr : table.byNode(node);
  if (mine != nullptr && mine->name != name) {
    return fmt::format("reserve: node '{}' already has '{}' ({}): release it first", node,
                       mine->name, holderText(*mine));
  }
  return "";
}

// The holding `nodeOrName` points at: a node's own name first, else a held name.
const Holding* promoted(const NameTable& table, const std::string& nodeOrName) {
  const Holding* holding = table.byNode(nodeOrName);
  if (holding != nullptr && !holding->reserved) return holding;
  return table.byName(nodeOrName);
}

std::string promoteProblem(const NameTable& table, const std::string& nodeOrName) {
  const Holding* slave = promoted(table, nodeOrName);
  if (slave == nullptr) return fmt::format("promote: no node or name '{}' is known", nodeOrName);
  if (slave->reserved) {
    return fmt::format("promote: '{}' is {}: no node holds it", slave->name, holderText(*slave));
  }
  if (slave->type == ServiceType::Iterative) {
    return fmt::format(
        "promote: '{}' (node '{}') is a name of iterative service '{}', which has no master",
        slave->name, slave->node, slave->service);
  }
  std::string master = nameOf(slave->service, ServiceType::Masterful, 0);
  if (slave->name == master) {
    return fmt::format("promote: node '{}' already is the master '{}'", slave->node, master);
  }
  const Holding* old = table.byName(master);
  if (old != nullptr && old->reserved) {
    return fmt::format("promote: '{}' is {}: release it first", master, holderText(*old));
  }
  return "";
}

// Puts a taken holding back under the name `to` (free by then), aliases and all.
void rename(TableEdit& edit, Holding holding, const std::string& to, std::int64_t now) {
  holding.name = to;
  holding.sinceMs = now;
  edit.put(std::move(holding));
}

// A holding becomes held by its node from `now` (a new name, or the node's reservation).
void claim(Holding& holding, std::int64_t now, const std::string& why,
           std::vector<Change>& changes) {
  holding.reserved = false;
  holding.sinceMs = now;
  changes.push_back({Kind::Assigned, holding.name, holding.node, "", "", why});
}

// The holding the node ends with: its own (or its reservation) of the declared service,
// else the lowest free name, after giving up one of another service. nullptr, with
// nothing changed, when the service has no free name.
Holding* settle(TableEdit& edit, const std::string& node, const Declaration& declaration,
                std::int64_t now, std::vector<Change>& changes) {
  Holding* current = edit.holderOfNode(node);
  if (current != nullptr && current->service == declaration.service &&
      current->type == declaration.type) {
    if (current->reserved) claim(*current, now, "reserved for the node", changes);
    return current;
  }
  auto name = edit.lowestFree(declaration.service, declaration.type, 0);
  if (!name) return nullptr;
  std::vector<std::string> aliases;
  if (current != nullptr) aliases = leave(edit, current->name, declaration, changes);
  Holding& fresh =
      edit.put({*name, declaration.service, declaration.type, node, true, "", aliases, now, now});
  claim(fresh, now, fmt::format("lowest free name of service '{}'", declaration.service), changes);
  return &fresh;
}

// The slave takes <service>-master; the live old master the lowest free slave name,
// counted as if the slave had left its own already (so normally that one).
void swapWithMaster(TableEdit& edit, const std::string& service, const std::string& slaveName,
                    std::int64_t now, std::vector<Change>& changes) {
  const std::string master = nameOf(service, ServiceType::Masterful, 0);
  std::string newSlave =
      edit.lowestFree(service, ServiceType::Masterful, 1, slaveName).value_or(slaveName);
  Holding promotedHolding = edit.take(slaveName);
  Holding demoted = edit.take(master);
  changes.push_back({Kind::Promoted, master, promotedHolding.node, demoted.node, slaveName,
                     fmt::format("old master node '{}' becomes '{}'", demoted.node, newSlave)});
  changes.push_back({Kind::Renamed, newSlave, demoted.node,
                     newSlave == slaveName ? promotedHolding.node : "", master,
                     "old master, still live, takes the lowest free slave name"});
  rename(edit, std::move(demoted), newSlave, now);
  rename(edit, std::move(promotedHolding), master, now);
}

}  // namespace

Outcome NameTable::assign(const std::string& node, const Declaration& declaration,
                          const std::string& address, std::int64_t now) {
  if (auto problem = assignProblem(*this, node, declaration); !problem.empty()) {
    return {{}, problem};
  }
  TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  std::vector<Change> changes;
  Holding* holding = settle(edit, node, declaration, now, changes);
  if (holding == nullptr) return {{}, noFreeName(declaration)};
  if (!address.empty()) holding->address = address;
  holding->lastSeenMs = now;
  syncAliases(edit, *holding, declaration.aliases, changes);
  return {changes, ""};
}

Outcome NameTable::release(const std::string& nameOrAlias, std::int64_t /*now*/) {
  TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  std::vector<Change> changes;
  if (byName(nameOrAlias) != nullptr) {
    releaseName(edit, nameOrAlias, "released on request", changes);
  } else if (Holding* holder = edit.holderOfAlias(nameOrAlias)) {
    edit.removeAlias(*holder, nameOrAlias);
    changes.push_back({Kind::AliasRemoved, nameOrAlias, "", holder->node, "",
                       fmt::format("released from '{}' on request", holder->name)});
  } else {
    return {{}, fmt::format("release: '{}' is no held or reserved name and no alias", nameOrAlias)};
  }
  return {changes, ""};
}

Outcome NameTable::releaseSilent(std::int64_t now, std::int64_t releaseAfterMs) {
  std::vector<std::pair<std::string, std::string>> silent;  // name, why
  for (const auto& [name, holding] : byName_) {
    if (holding.reserved || holding.node.empty()) continue;
    if (holding.lastSeenMs > now - releaseAfterMs) continue;
    silent.emplace_back(name, fmt::format("node '{}' silent since {} ms (release after {} ms)",
                                          holding.node, holding.lastSeenMs, releaseAfterMs));
  }
  TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  std::vector<Change> changes;
  for (const auto& [name, why] : silent) releaseName(edit, name, why, changes);
  return {changes, ""};
}

Outcome NameTable::reserve(const std::string& name, const std::string& node, std::int64_t now) {
  if (auto problem = reserveProblem(*this, name, node); !problem.empty()) return {{}, problem};
  const Holding* existing = byName(name);
  if (existing != nullptr && existing->node == node) return {};  // nothing to change
  TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  auto parsed = parseName(name);
  Holding holding{name, parsed->service, parsed->type, node, true, "", {}, now, 0};
  if (existing != nullptr) holding = edit.take(name);  // reserved for nobody until now
  holding.node = node;
  edit.put(std::move(holding));
  std::string detail = node.empty() ? "for nobody yet" : fmt::format("for node '{}'", node);
  return {{{Kind::Reserved, name, node, "", "", detail}}, ""};
}

Outcome NameTable::promote(const std::string& nodeOrName, std::int64_t now,
                           std::int64_t releaseAfterMs) {
  if (auto problem = promoteProblem(*this, nodeOrName); !problem.empty()) return {{}, problem};
  const Holding* slave = promoted(*this, nodeOrName);
  const std::string slaveName = slave->name;
  const std::string master = nameOf(slave->service, ServiceType::Masterful, 0);
  TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  std::vector<Change> changes;
  const Holding* old = byName(master);
  if (old != nullptr && old->lastSeenMs > now - releaseAfterMs) {
    swapWithMaster(edit, slave->service, slaveName, now, changes);
    return {changes, ""};
  }
  if (old != nullptr) {
    releaseName(edit, master,
                fmt::format("old master node '{}' not live (last seen {} ms, release after {} ms)",
                            old->node, old->lastSeenMs, releaseAfterMs),
                changes);
  }
  Holding holding = edit.take(slaveName);
  changes.push_back({Kind::Promoted, master, holding.node, "", slaveName, "no live master"});
  rename(edit, std::move(holding), master, now);
  return {changes, ""};
}

}  // namespace drover::naming
