#pragma once
// The facts and classes a node announces and filters on: built-in facts with the YAML
// facts file laid over them (a file key replaces the built-in of the same name), plus
// the classes file. Readers take snapshots; reload() swaps in a new state at once.
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/facts/builtin.hpp"
#include "core/facts/facts_file.hpp"
#include "core/util/json.hpp"

namespace drover::facts {

/// Facts that change on every read; reload() does not count them as a change.
inline constexpr std::string_view kVolatileFacts[] = {"uptime_seconds"};

/// Thread safe: every member may be called from any thread.
class FactSet {
 public:
  using BuiltinSource = std::function<Json()>;

  /// Resolves the built-ins and reads the files. An empty path means no such file; a
  /// path to a file that does not exist yet counts as empty (Puppet may write it later).
  /// Throws Error when a file exists but cannot be read or parsed, so a broken facts
  /// file stops the daemon at startup instead of announcing wrong facts.
  explicit FactSet(std::filesystem::path factsFile = {}, std::filesystem::path classesFile = {},
                   BuiltinSource builtins = builtinFacts);

  /// Every fact, as one JSON object.
  Json snapshot() const;

  std::vector<std::string> classes() const;

  /// Resolves the built-ins and re-reads the files; returns whether facts (other than
  /// kVolatileFacts) or classes changed, so the node re-registers. A file that no longer
  /// parses is logged and its previous content kept. Does not throw (except bad_alloc).
  bool reload();

 private:
  struct State {
    Json fileFacts = Json::object();
    std::vector<std::string> classes;
    Json merged = Json::object();
  };

  // `previous` is what to keep when a file is broken; nullptr at startup means throw.
  State read(const State* previous) const;

  const std::filesystem::path factsFile_;
  const std::filesystem::path classesFile_;
  const BuiltinSource builtins_;
  std::mutex reloadMutex_;    // one reload at a time; readers never wait for file I/O
  mutable std::mutex mutex_;  // guards state_
  State state_;
};

/// The fact `dottedName` in `facts`: a top-level key spelled exactly so first (a fact
/// may itself be called "ec2.tags"), else a walk through nested objects, one
/// dot-separated segment at a time ("os.family"; a number indexes into a list:
/// "interfaces.eth0.ipv4.0"). Returns nullptr when there is no such fact.
const Json* lookup(const Json& facts, std::string_view dottedName);

}  // namespace drover::facts
