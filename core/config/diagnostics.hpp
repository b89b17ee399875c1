#pragma once
// Problems found while loading one configuration. They are collected rather than thrown
// one at a time so an operator fixes a whole file in one pass, and each carries the place
// its value came from: "server.yaml:4:12: key 'workers': ..." or "--workers: ...".
#include <map>
#include <string>
#include <vector>

namespace drover::config {

/// Where a setting's value came from.
struct Origin {
  std::string file;  // as given to the loader; empty for flags and defaults
  int line = 0;      // 1-based
  int column = 0;    // 1-based
  std::string flag;  // "--workers" when set on the command line

  /// "server.yaml:4:12", "--workers", or "" for a default.
  std::string where() const;
};

class Diagnostics {
 public:
  /// Remembers where `key` got its value; a later call (the command line) wins.
  void setOrigin(const std::string& key, Origin origin);

  /// Where `key` got its value, or nullptr when it kept its default.
  const Origin* origin(const std::string& key) const;

  /// Records a problem placed at `at`, as "where: message".
  void add(const Origin& at, const std::string& message);

  /// Records a problem with the value of `key` found at `at`: "file:4:12: key 'workers':
  /// message", or "--workers: message" when it came from a flag.
  void badValue(const Origin& at, const std::string& key, const std::string& message);

  /// Records a problem with the current value of `key`, placed where that value came from.
  void badValue(const std::string& key, const std::string& message);

  bool empty() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }

  /// Throws Error with every problem, one per line, in the order found; returns
  /// normally when there is none.
  void throwIfAny() const;

 private:
  std::map<std::string, Origin> origins_;
  std::vector<std::string> problems_;
};

}  // namespace drover::config
