#include "provisioner/web/basic_auth.hpp"

#include <crypt.h>
#include <sodium.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace drover::provisioner::web {
namespace {

constexpr std::size_t kMaxRemembered = 256;

// The crypt(3) prefixes of the schemes accepted: slow on purpose, so a stolen file is
// not a list of passwords.
bool slowScheme(const std::string& hash) {
  for (const char* prefix : {"$2b$", "$2y$", "$5$", "$6$", "$y$"}) {
    if (hash.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string digest(const std::string& text) {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

}  // namespace

BasicAuth BasicAuth::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot be read");
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    throw std::runtime_error(file.string() + ": larger than " + std::to_string(kMaxFileBytes) +
                             " bytes");
  }
  BasicAuth auth;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto where = [&] { return file.string() + ":" + std::to_string(number) + ": "; };
    if (line.empty() || line.front() == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      throw std::runtime_error(where() + "not USER:HASH");
    std::string user = line.substr(0, colon);
    std::string hash = line.substr(colon + 1);
    if (!slowScheme(hash)) {
      throw std::runtime_error(where() + "the hash of user '" + user +
                               "' is not bcrypt ($2y$, htpasswd -B), SHA-crypt ($5$, $6$, "
                               "openssl passwd -6) or yescrypt ($y$, mkpasswd)");
    }
    if (!auth.hashes_.emplace(user, hash).second) {
      throw std::runtime_error(where() + "user '" + user + "' is listed twice");
    }
  }
  if (auth.hashes_.empty()) throw std::runtime_error(file.string() + ": lists no user");
  return auth;
}

BasicAuth::BasicAuth(const BasicAuth& other) : hashes_(other.hashes_) {}

bool BasicAuth::allows(const std::string& header) const {
  const std::string scheme = "Basic ";
  if (header.size() > kMaxHeaderBytes || header.rfind(scheme, 0) != 0) return false;
  std::string encoded = header.substr(scheme.size());
  std::string key = digest(header);
  {
    std::lock_guard lock(mutex_);
    if (passed_.count(key) != 0) return true;
  }
  std::lock_guard checking(checking_);

  std::vector<unsigned char> decoded(encoded.size());
  std::size_t length = 0;
  if (sodium_base642bin(decoded.data(), decoded.size(), encoded.data(), encoded.size(), nullptr,
                        &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  std::string pair(reinterpret_cast<const char*>(decoded.data()), length);
  auto colon = pair.find(':');
  if (colon == std::string::npos) return false;
  auto user = hashes_.find(pair.substr(0, colon));
  if (user == hashes_.end()) return false;
  std::string password = pair.substr(colon + 1);
  sodium_memzero(pair.data(), pair.size());

  // crypt_data is large (about 32 KiB): on the heap, not a worker's stack.
  auto data = std::make_unique<crypt_data>();
  const char* computed = crypt_r(password.c_str(), user->second.c_str(), data.get());
  sodium_memzero(password.data(), password.size());
  const std::string& stored = user->second;
  bool ok = computed != nullptr && computed[0] != '*' &&
            std::string_view(computed).size() == stored.size() &&
            sodium_memcmp(computed, stored.data(), stored.size()) == 0;
  if (ok) {
    std::lock_guard lock(mutex_);
    if (passed_.size() >= kMaxRemembered) passed_.clear();
    passed_.insert(key);
  }
  return ok;
}

std::string BasicAuth::challenge() {
  return "Basic realm=\"drover provisioner\", charset=\"UTF-8\"";
}

}  // namespace drover::provisioner::web
