#pragma once
// Keys two principals share without a word exchanged: each Ed25519 key pair is also an
// X25519 key pair (its Montgomery form, as libsodium converts it), so a principal and a
// peer whose certificate it verified agree on X25519(own secret, peer public), hashed
// with both public keys. A MAC under that key convinces the one peer it was made for,
// and nobody else can check it or make it: the pair's two holders are the only parties.
//
// Why: a client verifies one reply per node of a call, and an Ed25519 check costs
// ~50 µs; the X25519 agreement costs about as much, but once per peer, after which a
// reply costs a keyed BLAKE2b (~1 µs). Using one key pair for signatures and for
// X25519 is sound (Thormarker, "On using the same key pair for Ed25519 and an X25519
// based KEM", 2021); the key derivation binds both public keys and a purpose label.
#include <array>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace drover::security {

inline constexpr std::size_t kMacSize = 32;

class PairwiseKeys {
 public:
  using Key = std::array<unsigned char, 32>;

  /// `ed25519Secret` is libsodium's 64-byte form (seed, then public key). Keys with at
  /// most `capacity` peers are kept; past it the oldest is forgotten (and derived again
  /// when needed), so a client of a large fleet costs bounded memory.
  explicit PairwiseKeys(const std::array<unsigned char, 64>& ed25519Secret,
                        std::size_t capacity = kDefaultCapacity);
  ~PairwiseKeys();  // wipes the secret and every derived key
  PairwiseKeys(const PairwiseKeys&) = delete;
  PairwiseKeys& operator=(const PairwiseKeys&) = delete;

  /// The key shared with the holder of `peerPublicKey` (raw Ed25519, 32 bytes), or
  /// nullopt if that is not a usable key (wrong size, not a curve point, small order).
  /// Thread safe.
  std::optional<Key> with(std::string_view peerPublicKey) const;

  /// The MAC of `bytes` under the key shared with `peerPublicKey`: kMacSize bytes, or
  /// empty if the peer key is unusable.
  std::string mac(std::string_view peerPublicKey, std::string_view bytes) const;

  /// True if `mac` is that MAC; compared in constant time. False for an unusable key.
  bool check(std::string_view peerPublicKey, std::string_view bytes, std::string_view mac) const;

  std::size_t cached() const;

  static constexpr std::size_t kDefaultCapacity = 16384;

 private:
  std::optional<Key> derive(std::string_view peerPublicKey) const;

  std::array<unsigned char, 32> xSecret_{};
  std::string ownPublic_;  // raw Ed25519
  std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Key> keys_;
  mutable std::deque<std::string> order_;  // insertion order, for forgetting the oldest
};

}  // namespace drover::security
