#include "core/naming/table_edit.hpp"

#include <algorithm>

namespace drover::naming::detail {

bool TableEdit::taken(const std::string& name) const {
  return byName_.count(name) > 0 || nameOfAlias_.count(name) > 0;
}

std::optional<std::string> TableEdit::lowestFree(const std::string& service, ServiceType type,
                                                 int from, const std::string& asFree) const {
  for (int n = from; n <= kMaxNumber; ++n) {
    std::string name = nameOf(service, type, n);
    if (name == asFree || !taken(name)) return name;
  }
  return std::nullopt;
}

Holding& TableEdit::put(Holding holding) {
  std::sort(holding.aliases.begin(), holding.aliases.end());
  const std::string name = holding.name;
  if (!holding.node.empty()) nameOfNode_[holding.node] = name;
  for (const auto& alias : holding.aliases) nameOfAlias_[alias] = name;
  return byName_[name] = std::move(holding);
}

Holding TableEdit::take(const std::string& name) {
  auto found = byName_.find(name);
  Holding holding = std::move(found->second);
  byName_.erase(found);
  if (!holding.node.empty()) nameOfNode_.erase(holding.node);
  for (const auto& alias : holding.aliases) nameOfAlias_.erase(alias);
  return holding;
}

Holding* TableEdit::holderOfNode(const std::string& node) {
  auto found = nameOfNode_.find(node);
  return found == nameOfNode_.end() ? nullptr : &byName_.at(found->second);
}

Holding* TableEdit::holderOfAlias(const std::string& alias) {
  auto found = nameOfAlias_.find(alias);
  return found == nameOfAlias_.end() ? nullptr : &byName_.at(found->second);
}

void TableEdit::addAlias(Holding& holding, const std::string& alias) {
  auto& aliases = holding.aliases;
  aliases.insert(std::lower_bound(aliases.begin(), aliases.end(), alias), alias);
  nameOfAlias_[alias] = holding.name;
}

void TableEdit::removeAlias(Holding& holding, const std::string& alias) {
  auto& aliases = holding.aliases;
  aliases.erase(std::remove(aliases.begin(), aliases.end(), alias), aliases.end());
  nameOfAlias_.erase(alias);
}

}  // namespace drover::naming::detail
