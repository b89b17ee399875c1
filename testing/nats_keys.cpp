#include "testing/nats_keys.hpp"

#include <array>
#include <cstdint>
#include <ctime>
#include <stdexcept>

#include <sodium.h>

namespace drover::testing {
namespace {

// nkeys' type prefixes: the first base32 letter of a public key says what it is.
constexpr std::uint8_t kPrefixSeed = 18 << 3;      // 'S'
constexpr std::uint8_t kPrefixOperator = 14 << 3;  // 'O'
constexpr std::uint8_t kPrefixAccount = 0;         // 'A'
constexpr std::uint8_t kPrefixUser = 20 << 3;      // 'U'

std::uint8_t prefixOf(NatsKeyKind kind) {
  switch (kind) {
    case NatsKeyKind::Operator: return kPrefixOperator;
    case NatsKeyKind::Account: return kPrefixAccount;
    case NatsKeyKind::User: return kPrefixUser;
  }
  return kPrefixUser;
}

// CRC-16/XMODEM (polynomial 0x1021, initial 0), the checksum nkeys append.
std::uint16_t crc16(const std::string& bytes) {
  std::uint16_t crc = 0;
  for (unsigned char byte : bytes) {
    crc ^= static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

// RFC 4648 base32, without padding.
std::string base32(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string withChecksum(std::string raw) {
  std::uint16_t crc = crc16(raw);
  raw += static_cast<char>(crc & 0xff);  // little-endian, as nkeys write it
  raw += static_cast<char>(crc >> 8);
  return base32(raw);
}

// base64url without padding (JWT's encoding).
std::string base64url(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

}  // namespace

NatsKey makeNatsKey(NatsKeyKind kind) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium did not initialise");
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pub{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret{};
  randombytes_buf(seed.data(), seed.size());
  crypto_sign_seed_keypair(pub.data(), secret.data(), seed.data());

  const std::uint8_t prefix = prefixOf(kind);
  NatsKey key;
  key.kind = kind;
  key.publicKey = withChecksum(std::string(1, static_cast<char>(prefix)) +
                               std::string(reinterpret_cast<const char*>(pub.data()), pub.size()));
  std::string rawSeed;
  rawSeed += static_cast<char>(kPrefixSeed | (prefix >> 5));
  rawSeed += static_cast<char>((prefix & 31) << 3);
  rawSeed += std::string(reinterpret_cast<const char*>(seed.data()), seed.size());
  key.seed = withChecksum(rawSeed);
  key.secret.assign(reinterpret_cast<const char*>(secret.data()), secret.size());
  return key;
}

std::string natsJwt(const NatsKey& issuer, const std::string& subject, Json claims) {
  claims["iat"] = static_cast<std::int64_t>(std::time(nullptr));
  claims["iss"] = issuer.publicKey;
  claims["sub"] = subject;
  // The id is a hash of the claims without it, as the NATS tools make it.
  std::string unnamed = claims.dump();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(unnamed.data()),
                     unnamed.size());
  claims["jti"] = base32(std::string(reinterpret_cast<const char*>(digest.data()), digest.size()));

  const std::string signedPart =
      base64url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." + base64url(claims.dump());
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(signedPart.data()), signedPart.size(),
                       reinterpret_cast<const unsigned char*>(issuer.secret.data()));
  return signedPart + "." +
         base64url(std::string(reinterpret_cast<const char*>(signature.data()), signature.size()));
}

NatsOperatorMode::NatsOperatorMode()
    : operatorKey(makeNatsKey(NatsKeyKind::Operator)),
      accountKey(makeNatsKey(NatsKeyKind::Account)),
      userKey(makeNatsKey(NatsKeyKind::User)) {
  operatorJwt = natsJwt(
      operatorKey, operatorKey.publicKey,
      Json{{"name", "drover-test-operator"}, {"nats", {{"type", "operator"}, {"version", 2}}}});
  // -1: no limit (an account's zero limits would refuse every connection).
  Json limits{{"subs", -1},    {"data", -1},        {"payload", -1}, {"imports", -1},
              {"exports", -1}, {"wildcards", true}, {"conn", -1},    {"leaf", -1}};
  accountJwt =
      natsJwt(operatorKey, accountKey.publicKey,
              Json{{"name", "drover-test-account"},
                   {"nats",
                    {{"limits", limits},
                     {"default_permissions", {{"pub", Json::object()}, {"sub", Json::object()}}},
                     {"type", "account"},
                     {"version", 2}}}});
  userJwt = natsJwt(accountKey, userKey.publicKey,
                    Json{{"name", "drover-test-user"},
                         {"nats",
                          {{"pub", Json::object()},
                           {"sub", Json::object()},
                           {"subs", -1},
                           {"data", -1},
                           {"payload", -1},
                           {"type", "user"},
                           {"version", 2}}}});
}

std::string NatsOperatorMode::serverConfig() const {
  return "operator: " + operatorJwt + "\nresolver: MEMORY\nresolver_preload: {\n  " +
         accountKey.publicKey + ": " + accountJwt + "\n}\n";
}

std::string NatsOperatorMode::userCreds() const {
  return "-----BEGIN NATS USER JWT-----\n" + userJwt +
         "\n------END NATS USER JWT------\n\n"
         "************************* IMPORTANT *************************\n"
         "NKEY Seed printed below can be used to sign and prove identity.\n"
         "NKEYs are sensitive and should be treated as secrets.\n\n"
         "-----BEGIN USER NKEY SEED-----\n" +
         userKey.seed +
         "\n------END USER NKEY SEED------\n\n"
         "*************************************************************\n";
}

}  // namespace drover::testing
