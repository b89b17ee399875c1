#pragma once
// Keys two principals share without a word exchanged: each Ed25519 key pair is also an
// X25519 key pair (its Montgomery form, u = (1 + y) / (1 - y)), so a principal and a
// peer whose certificate it verified agree on X25519(own secret, peer public), hashed
// with both public keys. A MAC under that key convinces the one peer it was made for,
// and nobody else can check it or make it: the pair's two holders are the only parties.
//
// Why: a client checks one reply per node of a call, and a node one request per call;
// an Ed25519 check costs ~50 µs. The agreement costs ~40 µs, but once per pair, after
// which a message costs a keyed BLAKE2b (~1 µs). Replies to requests asking for it carry
// only a MAC; direct requests carry one beside their signature (signing.hpp). Using one
// key pair for signatures and for X25519 is sound (Thormarker, "On using the same key
// pair for Ed25519 and an X25519 based KEM", 2021); the key derivation binds both public
// keys and a purpose label.
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

namespace detail {

// A map that keeps the latest `capacity` keys it was given and forgets the oldest first,
// so what a peer population can make a process hold is bounded. Its owner locks.
template <typename Value>
class RecentMap {
 public:
  explicit RecentMap(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  const Value* find(const std::string& key) const {
    auto found = map_.find(key);
    return found == map_.end() ? nullptr : &found->second;
  }

  /// Sets `key` (one already there keeps its place); `forget` sees each value dropped
  /// to make room before it goes.
  template <typename Forget>
  void put(const std::string& key, Value value, Forget forget) {
    if (!map_.insert_or_assign(key, std::move(value)).second) return;
    order_.push_back(key);
    while (order_.size() > capacity_) {
      auto oldest = map_.find(order_.front());
      forget(oldest->second);
      map_.erase(oldest);
      order_.pop_front();
    }
  }

  template <typename Visit>
  void forEach(Visit visit) {
    for (auto& entry : map_) visit(entry.second);
  }

  std::size_t size() const { return map_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_map<std::string, Value> map_;
  std::deque<std::string> order_;  // insertion order
};

}  // namespace detail

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
  mutable std::mutex mutex_;
  mutable detail::RecentMap<Key> keys_;
};

/// The public keys of peers by name, as their verified messages showed them: which key a
/// request to a node can be MACed for. Bounded like PairwiseKeys; thread safe. A key
/// learnt here is only a hint: a node whose key changed since checks the signature.
class PeerKeys {
 public:
  explicit PeerKeys(std::size_t capacity = PairwiseKeys::kDefaultCapacity);

  /// Records (or replaces) `name`'s raw Ed25519 public key.
  void learn(const std::string& name, std::string publicKey);

  /// `name`'s key, or empty when unknown.
  std::string find(const std::string& name) const;

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  detail::RecentMap<std::string> keys_;
};

}  // namespace drover::security
