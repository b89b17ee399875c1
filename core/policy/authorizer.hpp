#pragma once
// Decides whether a verified caller may run an agent's action on this node, from the
// policy files of one directory (format: etc/policies/README.md).
//
// Which policy applies:
//   - `<directory>/<agent>.yaml` exists: its first matching rule, else its `default`;
//   - no file for the agent: deny ("default deny: no policy for agent puppet"), except
//     rpcutil's read-only actions (kRpcutilReadOnlyActions), which anyone with a valid
//     certificate may call so discovery and inventory work out of the box. A policy file
//     for rpcutil replaces this exception entirely.
//
// Files are read when the Authorizer is built and on reload(), never per request: a new
// or edited file takes effect on reload (droverd reloads on SIGHUP). A directory with
// any broken file is refused as a whole, so a node never starts with a policy it half
// understood, and a failed reload keeps the policies in force.
#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/filter/filter.hpp"
#include "core/policy/policy.hpp"
#include "core/policy/policy_loader.hpp"

namespace drover::policy {

/// rpcutil actions allowed to every caller when there is no rpcutil policy file.
inline constexpr std::array<std::string_view, 7> kRpcutilReadOnlyActions = {
    "ping",        "inventory", "get_fact", "get_facts", "agent_inventory", "collective_info",
    "daemon_stats"};

/// Thread safe: decide() may run on any number of threads while another reloads.
class Authorizer {
 public:
  /// No policy directory: only the built-in defaults apply.
  Authorizer();

  /// Loads every policy in `directory`. Throws PolicyError (a missing directory too).
  explicit Authorizer(std::filesystem::path directory);

  /// Reads the directory again and swaps the new policies in. Throws PolicyError and
  /// keeps the current policies when any file is broken. Does nothing without a directory.
  void reload();

  /// Whether `caller` may run `agent`'s `action` on `node`, and why. Never throws (but
  /// std::bad_alloc).
  Decision decide(const Caller& caller, const std::string& agent, const std::string& action,
                  const filter::NodeView& node) const;

  /// Agents that have a policy file, sorted.
  std::vector<std::string> agents() const;

  /// The policy directory; empty when built without one.
  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::shared_ptr<const PolicyMap> current() const;

  const std::filesystem::path directory_;
  mutable std::mutex mutex_;
  std::shared_ptr<const PolicyMap> policies_;  // guarded by mutex_; never null
};

}  // namespace drover::policy
