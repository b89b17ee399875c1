#pragma once
// Reading YAML nodes into values while collecting every problem, each as
// FILE:LINE:COLUMN: KEY: what (the flow loader's form). Used by the deployment loader only:
// a reader never throws for bad input; a value it cannot read comes back as nullopt and
// its problem is recorded.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/util/json.hpp"

namespace drover::deploy {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  /// Records a problem at `mark` (a mark with line -1 gives FILE: KEY: what).
  void problem(const YAML::Mark& mark, const std::string& key, const std::string& what);
  void problem(const YAML::Node& at, const std::string& key, const std::string& what) {
    problem(at.Mark(), key, what);
  }
  /// FILE:LINE:COLUMN: KEY of `at`: where a value was written, for a problem found later
  /// (a flow the provisioner does not have).
  std::string where(const YAML::Node& at, const std::string& key) const;
  /// Records a problem found at LINE:COLUMN of another file (a config file's template).
  void problemIn(const std::string& file, int line, int column, const std::string& what);
  /// Every problem, sorted by file order then position.
  std::vector<std::string> problems() const;
  const std::string& file() const { return file_; }

  bool requireMap(const YAML::Node& node, const std::string& key);
  /// False (and recorded) when `key` of `map` repeats a key before it.
  bool unique(const YAML::Node& map, const YAML::Node& key, const std::string& prefix);
  /// Records every key of `map` outside `known` (suggesting the closest one) and every
  /// duplicate key.
  void onlyKeys(const YAML::Node& map, const std::string& prefix,
                const std::vector<std::string>& known);

  std::optional<std::string> text(const YAML::Node& node, const std::string& key);
  std::optional<int> integer(const YAML::Node& node, const std::string& key, int min, int max);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& key);
  /// Bytes, or a whole number with a K, M or G suffix (1024-based).
  std::optional<std::uint64_t> size(const YAML::Node& node, const std::string& key);
  /// 500ms, 30s, 5m, 1h: more than zero, at most 7 days.
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, const std::string& key);
  /// A list of non-empty strings.
  std::optional<std::vector<std::string>> strings(const YAML::Node& node, const std::string& key);
  /// YAML to JSON: plain scalars typed as facts are, quoted ones stay strings.
  std::optional<Json> json(const YAML::Node& node, const std::string& key, int depth = 0);

  static std::string join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }

 private:
  std::optional<Json> jsonList(const YAML::Node& node, const std::string& key, int depth);
  std::optional<Json> jsonMap(const YAML::Node& node, const std::string& key, int depth);

  struct Entry {
    int fileOrder;  // 0: the deployment file, 1: its config files
    std::string file;
    int line;
    int column;
    std::string text;
  };
  std::string file_;
  std::vector<Entry> entries_;
  std::size_t jsonNodes_ = 0;  // read by json() so far
};

}  // namespace drover::deploy
