#pragma once
// Reads one launcher settings object key by key, so that a missing, unknown or mistyped
// key is reported by name ("launcher.bridge: must be a string") instead of as a JSON
// type error, and a misspelt key is never silently ignored.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::launchers {

class SettingsReader {
 public:
  /// `where` prefixes every message ("launcher"). Throws LaunchError if not an object.
  SettingsReader(const Json& settings, std::string where);

  std::string text(const std::string& key, const std::string& fallback);
  std::string requiredText(const std::string& key);
  std::vector<std::string> requiredList(const std::string& key);
  /// An optional list of strings; empty when absent.
  std::vector<std::string> list(const std::string& key);
  std::int64_t number(const std::string& key, std::int64_t fallback, std::int64_t min,
                      std::int64_t max);
  /// Throws LaunchError naming every key that no call above asked for.
  void finish() const;

 private:
  const Json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

  const Json& settings_;
  std::string where_;
  std::set<std::string> known_;
};

/// "64M", "1G", "4096", 4096 -> bytes (K/M/G/T are powers of 1024). Throws LaunchError
/// naming `where` when the size is not a positive whole number with an optional suffix.
std::uint64_t parseSize(const Json& size, const std::string& where);

}  // namespace drover::launchers
