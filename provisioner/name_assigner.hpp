#pragma once
// The seam between the engine's assign_name step and the names (name_keeper.hpp).
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

/// What the engine's assign_name step needs (the keeper; tests may give their own).
class NameAssigner {
 public:
  struct Given {
    std::string name;
    std::string fqdn;
    std::vector<std::string> aliases;
    std::string error;  // nothing assigned, and why
  };
  virtual ~NameAssigner() = default;
  /// Assigns `node` a name by `declaration` ({service, type, aliases}) and syncs it to
  /// disk before returning; the address comes from `facts`.
  virtual Given assign(const std::string& node, const Json& declaration, const Json& facts) = 0;
  /// The set_name call for `node` ended: `reply` is its OK reply's data, or null.
  virtual void told(const std::string& node, const Json& reply) = 0;
  /// The name `node` holds, if any.
  virtual std::optional<Given> nameOf(const std::string& node) const = 0;
};

}  // namespace drover::provisioner
