#pragma once
// Inside NameTable: the table's three indexes and the edits every operation is made of.
// Each edit keeps the indexes in step (a holding's node and aliases point back at its
// name). An operation checks everything first and edits afterwards, so it either fails
// leaving the table as it was or completes; the edits record no Change themselves.
#include <map>
#include <optional>
#include <string>

#include "core/naming/name_table.hpp"

namespace drover::naming::detail {

class TableEdit {
 public:
  TableEdit(std::map<std::string, Holding>& byName, std::map<std::string, std::string>& nameOfNode,
            std::map<std::string, std::string>& nameOfAlias)
      : byName_(byName), nameOfNode_(nameOfNode), nameOfAlias_(nameOfAlias) {}

  /// Held, reserved, or an alias of some node.
  bool taken(const std::string& name) const;
  /// The lowest name of the service from number `from` on that is not taken (`asFree`
  /// counts as free: a name its holder is about to leave); std::nullopt past kMaxNumber.
  std::optional<std::string> lowestFree(const std::string& service, ServiceType type, int from,
                                        const std::string& asFree = "") const;
  /// Adds a holding whose name, node and aliases are free; returns it in the table.
  Holding& put(Holding holding);
  /// Removes the holding of `name` with its node's and aliases' entries.
  Holding take(const std::string& name);
  /// The holding (or reservation) of `node`, or nullptr.
  Holding* holderOfNode(const std::string& node);
  /// The holding `alias` belongs to, or nullptr.
  Holding* holderOfAlias(const std::string& alias);
  void addAlias(Holding& holding, const std::string& alias);
  void removeAlias(Holding& holding, const std::string& alias);

 private:
  std::map<std::string, Holding>& byName_;
  std::map<std::string, std::string>& nameOfNode_;
  std::map<std::string, std::string>& nameOfAlias_;
};

}  // namespace drover::naming::detail
