#include "agents/cluster/trust_lines.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

#include "agents/cluster/inputs.hpp"
#include "core/naming/names.hpp"
#include "core/util/base64.hpp"

namespace drover::agents::cluster {
namespace {

const std::set<std::string, std::less<>> kKeyTypes = {"ssh-ed25519",
                                                      "ssh-rsa",
                                                      "ecdsa-sha2-nistp256",
                                                      "ecdsa-sha2-nistp384",
                                                      "ecdsa-sha2-nistp521",
                                                      "sk-ssh-ed25519@openssh.com",
                                                      "sk-ecdsa-sha2-nistp256@openssh.com"};

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// The key type a blob names in its first field (a 32-bit length, then the name).
std::string blobType(const std::string& base64) {
  auto blob = util::decodeBase64(base64);
  if (!blob || blob->size() < 4) return "";
  std::size_t length = (static_cast<unsigned char>((*blob)[0]) << 24) |
                       (static_cast<unsigned char>((*blob)[1]) << 16) |
                       (static_cast<unsigned char>((*blob)[2]) << 8) |
                       static_cast<unsigned char>((*blob)[3]);
  if (length > 64 || blob->size() < 4 + length) return "";
  return blob->substr(4, length);
}

bool printable(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

bool hostNameOrAddress(const std::string& name) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::drover::naming::checkHostName(name).empty() ||
         inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

std::string keyText(const Json& value, const std::string& where) {
  if (!value.is_string()) badInput(where + ": expected a string, got " + value.type_name());
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > kMaxKeyLineBytes) {
    badInput(where + ": " + std::to_string(text.size()) + " bytes, at most " +
             std::to_string(kMaxKeyLineBytes));
  }
  return text;
}

std::string hostNames(const Json& names, const std::string& where) {
  if (!names.is_array() || names.empty() || names.size() > kMaxHostNames) {
    badInput(where + ": expected a list of 1 to " + std::to_string(kMaxHostNames) + " names");
  }
  std::string joined;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string item = where + "[" + std::to_string(i) + "]";
    if (!names[i].is_string() || !hostNameOrAddress(names[i].get<std::string>())) {
      badInput(item + ": " + names[i].dump() + " is not a host name or an IP address");
    }
    joined += (i == 0 ? "" : ",") + names[i].get<std::string>();
  }
  return joined;
}

}  // namespace

std::string publicKeyLine(const std::string& text, const std::string& where, bool keepComment) {
  if (!printable(text)) badInput(where + ": holds a control character or line break");
  std::vector<std::string> parts = words(text);
  if (parts.size() < 2 || !kKeyTypes.contains(parts[0])) {
    badInput(where + ": " + shown(text) + " is not an OpenSSH public key (TYPE BASE64 [COMMENT]" +
             " with TYPE ssh-ed25519, ssh-rsa, ecdsa-sha2-*, or sk-*; no options)");
  }
  if (blobType(parts[1]) != parts[0]) {
    badInput(where + ": the key data is not base64 of a " + parts[0] + " key");
  }
  std::string line = parts[0] + " " + parts[1];
  if (!keepComment) return line;
  for (std::size_t i = 2; i < parts.size(); ++i) line += " " + parts[i];
  return line;
}

std::string authorizedKeysBody(const Json& keys) {
  std::set<std::string> seen;
  std::string body;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string where = "authorized_keys[" + std::to_string(i) + "]";
    std::string line = publicKeyLine(keyText(keys[i], where), where, true);
    if (seen.insert(publicKeyLine(line, where, false)).second) body += line + "\n";
  }
  return body;
}

std::string knownHostsBody(const Json& entries) {
  std::set<std::string> seen;
  std::string body;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string where = "known_hosts[" + std::to_string(i) + "]";
    const Json& entry = entries[i];
    if (!entry.is_object()) badInput(where + ": expected an object {names, key}");
    std::string names = hostNames(entry.value("names", Json()), where + ".names");
    std::string key =
        publicKeyLine(keyText(entry.value("key", Json()), where + ".key"), where + ".key", false);
    std::string line = names + " " + key;
    if (seen.insert(line).second) body += line + "\n";
  }
  return body;
}

}  // namespace drover::agents::cluster
