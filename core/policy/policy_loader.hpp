#pragma once
// Reads policy files (format: etc/policies/README.md). Loading is strict, because a
// policy that is half understood would decide requests nobody meant it to: an unknown or
// duplicate key, a value of the wrong type, an empty list, an unknown role, a bad regex
// or filter, a glob where a name is expected, and YAML syntax errors are all problems,
// each reported as "file:line:column: key 'callers' in rule 2: message". Every problem
// in every file is collected so an operator fixes them in one pass.
#include <filesystem>
#include <map>
#include <string>

#include "core/policy/policy.hpp"

namespace drover::policy {

/// Policies by agent name.
using PolicyMap = std::map<std::string, Policy, std::less<>>;

/// Parses YAML `text` as the policy of `agent`; `file` names it in messages and reasons.
/// Throws PolicyError listing every problem.
Policy parsePolicy(const std::string& text, const std::string& file, const std::string& agent);

/// Reads `file`, named `<agent>.yaml`, as the policy of that agent. Throws PolicyError
/// (also for an unreadable file or a name that is not an agent name: a-z, 0-9 and _).
Policy loadPolicyFile(const std::filesystem::path& file);

/// Loads every `<agent>.yaml` in `directory` (not its subdirectories). Hidden files and
/// other extensions (README.md, puppet.yaml.bak) are skipped, except `.yml`, which is a
/// problem rather than a policy silently ignored. Throws PolicyError listing the problems
/// of every file, or saying that `directory` is missing or unreadable.
PolicyMap loadPolicyDirectory(const std::filesystem::path& directory);

}  // namespace drover::policy
