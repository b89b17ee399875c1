#include "core/bus/curve.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>
#include <zmq.h>

#include "core/util/files.hpp"

namespace drover::bus {
namespace {

constexpr std::string_view kZ85 =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string requireKey(const YAML::Node& root, const char* name,
                       const std::filesystem::path& file) {
  const YAML::Node node = root[name];
  if (!node || !node.IsScalar()) {
    throw CurveError(file.string() + ": missing key '" + std::string(name) + "'");
  }
  std::string key = node.as<std::string>();
  if (!validZ85Key(key)) {
    throw CurveError(file.string() + ":" + std::to_string(node.Mark().line + 1) + ": key '" + name +
                     "' is not a 40-character Z85 CURVE key");
  }
  return key;
}

}  // namespace

bool validZ85Key(const std::string& key) {
  return key.size() == 40 && key.find_first_not_of(kZ85) == std::string::npos;
}

CurveKeys generateCurveKeys() {
  char publicKey[41] = {};
  char secretKey[41] = {};
  if (zmq_curve_keypair(publicKey, secretKey) != 0) {
    throw CurveError("this libzmq has no CURVE support (zmq_curve_keypair failed)");
  }
  return {publicKey, secretKey};
}

void writeCurveKeyFile(const std::filesystem::path& file, const CurveKeys& keys) {
  std::string text = "# Drover CURVE keypair: keep this file secret\npublic: \"" + keys.publicKey +
                     "\"\nsecret: \"" + keys.secretKey + "\"\n";
  util::writeFileAtomically(file, text, 0600);
}

CurveKeys loadCurveKeyFile(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw CurveError(file.string() + ": " + e.what());
  }
  if (!root.IsMap())
    throw CurveError(file.string() + ": expected a map with 'public' and 'secret'");
  return {requireKey(root, "public", file), requireKey(root, "secret", file)};
}

std::optional<CurveClient> curveClientFrom(const std::string& serverKey,
                                           const std::filesystem::path& keyFile) {
  if (serverKey.empty() && keyFile.empty()) return std::nullopt;
  if (serverKey.empty() || keyFile.empty()) {
    throw CurveError("curve.server_key and curve.key_file must be set together");
  }
  return CurveClient{serverKey, loadCurveKeyFile(keyFile)};
}

std::set<std::string> loadAllowedKeys(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw CurveError("cannot read allowed keys file " + file.string());
  std::set<std::string> keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::string key;
    if (!(words >> key) || key.front() == '#') continue;
    if (!validZ85Key(key)) {
      throw CurveError(file.string() + ":" + std::to_string(number) +
                       ": not a 40-character Z85 CURVE public key");
    }
    keys.insert(key);
  }
  return keys;
}

}  // namespace drover::bus
