#pragma once
// What shell completion offers that only the fleet knows: node identities, fact names
// with some of their values, classes. Commands that learn them record them here as they
// run (discovery: identities; `inventory`: a node's facts and classes; `facts`: a fact's
// values), so a TAB never waits on the bus. Kept where client.yaml's completion_cache says
// (~/.cache/drover/inventory.json), bounded, replaced atomically; a cache that cannot be
// read or written is ignored: completion is a convenience, never a reason to fail.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::cli {

class CompletionCache {
 public:
  static constexpr std::size_t kMaxIdentities = 20000;
  static constexpr std::size_t kMaxFacts = 2000;
  static constexpr std::size_t kMaxValuesPerFact = 200;
  static constexpr std::size_t kMaxClasses = 5000;
  static constexpr std::size_t kMaxText = 256;  // longer names and values are not kept
  // Nor are those with a blank or a control character: a candidate is one shell word.

  /// Reads `path`; missing or unreadable reads as empty. An empty path keeps nothing.
  explicit CompletionCache(std::filesystem::path path);

  void addIdentities(const std::vector<std::string>& identities);
  /// A node's facts as inventory reports them (nested maps flattened to dotted names,
  /// scalar values kept as text) and its classes.
  void addInventory(const std::string& identity, const Json& facts, const Json& classes);
  void addFactValues(const std::string& fact, const std::vector<std::string>& values);

  /// Writes the cache if something was added; never throws.
  void save() const noexcept;

  const std::set<std::string>& identities() const { return identities_; }
  const std::map<std::string, std::set<std::string>>& facts() const { return facts_; }
  const std::set<std::string>& classes() const { return classes_; }

 private:
  void addFact(const std::string& name, const Json& value);

  std::filesystem::path path_;
  std::set<std::string> identities_;
  std::map<std::string, std::set<std::string>> facts_;  // name -> values seen
  std::set<std::string> classes_;
  bool changed_ = false;
};

}  // namespace drover::cli
