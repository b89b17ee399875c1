#pragma once
// HTTP basic authentication for the provisioner's HTTP listener (the live page and
// /metrics), from an htpasswd-style file: one USER:HASH per line, HASH a crypt(3) string
// of a slow scheme (bcrypt $2b$/$2y$ as `htpasswd -B` writes, SHA-crypt $5$/$6$ as
// `openssl passwd -6` writes, yescrypt $y$ as `mkpasswd` writes). Weak schemes (DES,
// MD5, plain text) are refused when the file is read, naming the line.
#include <cstddef>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace drover::provisioner::web {

class BasicAuth {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  static constexpr std::size_t kMaxHeaderBytes = 4096;

  /// Reads `file`. Throws std::runtime_error naming FILE:LINE and what is wrong (not
  /// USER:HASH, a user twice, a weak or unknown scheme), or that it cannot be read or
  /// holds no user.
  static BasicAuth load(const std::filesystem::path& file);

  BasicAuth(const BasicAuth& other);
  BasicAuth& operator=(const BasicAuth&) = delete;

  /// Whether the value of an Authorization header ("Basic BASE64(USER:PASSWORD)")
  /// names a user of the file with its password.
  bool allows(const std::string& header) const;

  /// The WWW-Authenticate value a refusal carries.
  static std::string challenge();

 private:
  BasicAuth() = default;

  std::map<std::string, std::string> hashes_;  // user -> crypt(3) string
  // A slow hash makes every check cost; a header that passed is remembered (by its
  // digest, never the password), so a page's own requests do not each pay for it.
  // Checks run one at a time: the cost an unknown caller can impose stays one hash.
  mutable std::mutex mutex_;     // passed_
  mutable std::mutex checking_;  // one hash at a time
  mutable std::set<std::string> passed_;
};

}  // namespace drover::provisioner::web
