#pragma once
// Passwords and keys for notifiers. They come from a file or an environment variable,
// never from the main config, and they never reach a log: Secret has no stream operator,
// and every error a notifier reports goes through redact() first.
#include <filesystem>
#include <string>
#include <vector>

namespace drover::notifiers {

class Secret {
 public:
  Secret() = default;

  /// The first line of `file` (trailing CR/LF removed). Throws std::runtime_error naming
  /// the file when it cannot be read or is empty.
  static Secret fromFile(const std::filesystem::path& file);

  /// The value of environment variable `name`. Throws std::runtime_error naming the
  /// variable when it is unset or empty.
  static Secret fromEnv(const std::string& name);

  /// A secret given directly (tests, and values already read by the caller).
  static Secret fromValue(std::string value, std::string source);

  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  /// Where it came from, safe to print: "file /etc/drover/xmpp.pass", "env SMTP_PASSWORD".
  const std::string& source() const { return source_; }

 private:
  std::string value_;
  std::string source_;
};

/// `text` with every occurrence of each non-empty secret replaced by "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace drover::notifiers
