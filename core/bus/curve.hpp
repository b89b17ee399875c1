#pragma once
// ZeroMQ CURVE for every connection to the broker: traffic is encrypted and the broker
// knows each peer's long-term public key, so it can refuse keys it does not list.
// Keys are Z85 text (40 characters). A key file is YAML with `public` and `secret`
// and is written with mode 0600; secrets never live in the main config files.
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

namespace drover::bus {

struct CurveKeys {
  std::string publicKey;  // Z85
  std::string secretKey;  // Z85
};

/// What a client or node needs to talk CURVE to the broker.
struct CurveClient {
  std::string serverKey;  // the broker's public key
  CurveKeys keys;         // our own keypair
};

class CurveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A fresh keypair. Throws CurveError if libzmq was built without CURVE.
CurveKeys generateCurveKeys();

/// Writes a key file (0600, atomically). Throws std::runtime_error naming the path.
void writeCurveKeyFile(const std::filesystem::path& file, const CurveKeys& keys);

/// Reads a key file. Throws CurveError naming the file and what is wrong.
CurveKeys loadCurveKeyFile(const std::filesystem::path& file);

/// Reads a list of allowed public keys: one Z85 key per line, optionally followed by
/// a name; blank lines and `#` comments skipped. Throws CurveError naming file:line.
std::set<std::string> loadAllowedKeys(const std::filesystem::path& file);

/// The CURVE settings of a client or node: std::nullopt when both are empty (plain
/// TCP). Throws CurveError when only one is set or the key file is unusable.
std::optional<CurveClient> curveClientFrom(const std::string& serverKey,
                                           const std::filesystem::path& keyFile);

/// True for 40 characters of the Z85 alphabet.
bool validZ85Key(const std::string& key);

}  // namespace drover::bus
