// NameTable: building it from stored holdings, reading it, and the JSON of its rows.
// The operations that change names are in name_table_ops.cpp.
#include "core/naming/name_table.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/naming/table_edit.hpp"

namespace drover::naming {
namespace {

constexpr std::array<std::pair<Change::Kind, const char*>, 8> kKinds{{
    {Change::Kind::Assigned, "assigned"},
    {Change::Kind::Released, "released"},
    {Change::Kind::Reserved, "reserved"},
    {Change::Kind::Renamed, "renamed"},
    {Change::Kind::Promoted, "promoted"},
    {Change::Kind::AliasMoved, "alias_moved"},
    {Change::Kind::AliasAdded, "alias_added"},
    {Change::Kind::AliasRemoved, "alias_removed"},
}};

// What is wrong with one holding on its own; "" when nothing.
std::string holdingProblem(const Holding& holding) {
  auto parsed = parseName(holding.name);
  if (!parsed) return "is no service name";
  if (parsed->service != holding.service || parsed->type != holding.type) {
    return fmt::format("does not belong to {} service '{}'", toString(holding.type),
                       holding.service);
  }
  if (holding.node.empty() && !holding.reserved) return "is held by no node and not reserved";
  std::vector<std::string> aliases = holding.aliases;
  std::sort(aliases.begin(), aliases.end());
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    if (auto error = checkHostName(aliases[i]); !error.empty()) return "has a bad alias: " + error;
    if (aliases[i] == holding.name) return "has its own name as an alias";
    if (i > 0 && aliases[i] == aliases[i - 1])
      return fmt::format("has alias '{}' twice", aliases[i]);
  }
  return "";
}

[[noreturn]] void refuse(const Holding& holding, const std::string& problem) {
  throw std::invalid_argument(
      fmt::format("holding '{}' (node '{}') {}", holding.name, holding.node, problem));
}

template <typename T>
T valueAt(const Json& json, const char* key, T fallback) {
  if (!json.contains(key) || json.at(key).is_null()) return fallback;
  try {
    return json.at(key).get<T>();
  } catch (const Json::exception&) {
    throw std::invalid_argument(
        fmt::format("holding.{}: wrong type ({})", key, json.at(key).type_name()));
  }
}

}  // namespace

std::string toString(Change::Kind kind) {
  for (const auto& [known, text] : kKinds) {
    if (known == kind) return text;
  }
  return "unknown";
}

std::optional<Change::Kind> changeKindFrom(std::string_view text) {
  for (const auto& [kind, known] : kKinds) {
    if (text == known) return kind;
  }
  return std::nullopt;
}

Json toJson(const Holding& holding) {
  return Json{{"name", holding.name},
              {"service", holding.service},
              {"type", toString(holding.type)},
              {"node", holding.node},
              {"reserved", holding.reserved},
              {"address", holding.address},
              {"aliases", holding.aliases},
              {"since_ms", holding.sinceMs},
              {"last_seen_ms", holding.lastSeenMs}};
}

Json toJson(const Change& change) {
  return Json{{"kind", toString(change.kind)},
              {"name", change.name},
              {"node", change.node},
              {"previous_node", change.previousNode},
              {"previous_name", change.previousName},
              {"detail", change.detail}};
}

Holding holdingFrom(const Json& json) {
  if (!json.is_object()) {
    throw std::invalid_argument(
        fmt::format("holding: expected an object, got {}", json.type_name()));
  }
  Holding holding;
  holding.name = valueAt<std::string>(json, "name", "");
  auto parsed = parseName(holding.name);
  if (!parsed)
    throw std::invalid_argument(fmt::format("holding.name: '{}' is no service name", holding.name));
  holding.service = valueAt<std::string>(json, "service", parsed->service);
  std::string type = valueAt<std::string>(json, "type", toString(parsed->type));
  auto serviceType = serviceTypeFrom(type);
  if (!serviceType) {
    throw std::invalid_argument(
        fmt::format("holding.type: '{}' is neither masterful nor iterative", type));
  }
  holding.type = *serviceType;
  holding.node = valueAt<std::string>(json, "node", "");
  holding.reserved = valueAt<bool>(json, "reserved", false);
  holding.address = valueAt<std::string>(json, "address", "");
  holding.aliases = valueAt<std::vector<std::string>>(json, "aliases", {});
  holding.sinceMs = valueAt<std::int64_t>(json, "since_ms", 0);
  holding.lastSeenMs = valueAt<std::int64_t>(json, "last_seen_ms", 0);
  if (auto problem = holdingProblem(holding); !problem.empty()) refuse(holding, problem);
  return holding;
}

NameTable::NameTable(std::vector<Holding> holdings) {
  for (auto& holding : holdings) {
    Holding copy = holding;
    if (auto problem = adopt(std::move(holding)); !problem.empty()) refuse(copy, problem);
  }
}

std::string NameTable::adopt(Holding holding) {
  if (auto problem = holdingProblem(holding); !problem.empty()) return problem;
  detail::TableEdit edit(byName_, nameOfNode_, nameOfAlias_);
  if (edit.taken(holding.name)) return "is held twice (or is also an alias)";
  if (const Holding* other = byNode(holding.node); other != nullptr && !holding.node.empty()) {
    return fmt::format("is a second name of the node, which holds '{}'", other->name);
  }
  for (const auto& alias : holding.aliases) {
    if (edit.taken(alias)) return fmt::format("has alias '{}', taken elsewhere", alias);
  }
  edit.put(std::move(holding));
  return "";
}

bool NameTable::seen(const std::string& node, const std::string& address, std::int64_t now) {
  auto found = nameOfNode_.find(node);
  if (found == nameOfNode_.end()) return false;
  Holding& holding = byName_.at(found->second);
  if (holding.reserved) return false;
  holding.lastSeenMs = now;
  // An empty address is a registration that did not report one: the last known stays.
  if (address.empty() || address == holding.address) return false;
  holding.address = address;
  return true;
}

const Holding* NameTable::byName(const std::string& name) const {
  auto found = byName_.find(name);
  return found == byName_.end() ? nullptr : &found->second;
}

const Holding* NameTable::byNode(const std::string& node) const {
  auto found = nameOfNode_.find(node);
  return found == nameOfNode_.end() ? nullptr : byName(found->second);
}

const Holding* NameTable::byAlias(const std::string& alias) const {
  auto found = nameOfAlias_.find(alias);
  return found == nameOfAlias_.end() ? nullptr : byName(found->second);
}

std::vector<Holding> NameTable::list(const std::string& service) const {
  std::vector<Holding> holdings;
  for (const auto& [name, holding] : byName_) {
    if (service.empty() || holding.service == service) holdings.push_back(holding);
  }
  return holdings;
}

std::vector<HostsEntry> NameTable::hostsEntries(const std::string& domain) const {
  std::vector<HostsEntry> entries;
  for (const auto& [name, holding] : byName_) {
    if (holding.reserved || holding.node.empty() || holding.address.empty()) continue;
    HostsEntry entry{holding.address, {}};
    if (!domain.empty()) entry.names.push_back(fqdnOf(name, domain));
    entry.names.push_back(name);
    for (const auto& alias : holding.aliases) {
      entry.names.push_back(alias);
      bool qualify = !domain.empty() && alias.find('.') == std::string::npos;
      if (qualify) entry.names.push_back(fqdnOf(alias, domain));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace drover::naming
