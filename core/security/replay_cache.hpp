#pragma once
// Replay refusal (DESIGN.md, "Security"): a message is refused when it is older than
// its TTL, further in the future than the allowed clock skew, or when its id was
// already seen while that earlier copy was still within its TTL.
//
// ReplayCache remembers each id until the moment its message expires; after that
// the freshness check refuses the copy anyway. It is bounded: when full, it evicts
// the entry that expires soonest. An evicted id could be replayed successfully,
// but only during what is left of its TTL; so size it above the peak message rate
// times the longest TTL in use (e.g. 500 requests/s x 120 s = 60,000 entries),
// and watch memoryBytes().
//
// Entries have a fixed size whatever the sender writes: the key is the 128-bit id
// itself when it is one (32 hex characters, as every valid envelope's is), or the
// first 128 bits of the SHA-256 of anything else. Memory is bounded by entries.
//
// Thread safe.
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/envelope/envelope.hpp"

namespace drover::security {

inline constexpr std::int64_t kDefaultMaxSkewMs = 30'000;

class ReplayCache {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 100'000;

  explicit ReplayCache(std::size_t maxEntries = kDefaultMaxEntries);

  using Key = std::array<std::uint8_t, 16>;

  /// The fixed-size key of `id` (see the header comment).
  static Key keyOf(std::string_view id);

  /// Records `id` until `expiresAtMs` and returns true, unless it is already recorded
  /// with an expiry after `nowMs` (a replay) or `expiresAtMs <= nowMs` (nothing left
  /// to protect, and the message is stale): then false, and nothing is recorded.
  /// Expired entries are dropped as a side effect. Throws std::bad_alloc only.
  bool checkAndInsert(std::string_view id, std::int64_t expiresAtMs, std::int64_t nowMs);

  std::size_t size() const;

  /// An estimate of the heap memory the entries use (nodes and buckets).
  std::size_t memoryBytes() const;

 private:
  void dropExpired(std::int64_t nowMs);
  void evictSoonest();

  // Keys are random (ids) or digests: any 8 of their bytes are a good hash.
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };

  const std::size_t maxEntries_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<Key, std::int64_t, KeyHash> expiries_;
  std::set<std::pair<std::int64_t, Key>> byExpiry_;  // (expiry, key), soonest first
};

/// Refuses a message sent more than `ttlSeconds` before `nowMs` (VerifyError Stale)
/// or more than `maxSkewMs` after it (VerifyError FromFuture). `what` names the
/// message in the error ("request 3f2a... from 'alice.admin'").
void checkFreshness(std::int64_t sentAtMs, std::uint32_t ttlSeconds, std::int64_t nowMs,
                    std::int64_t maxSkewMs, const std::string& what);

/// Records the envelope's id in `cache` until time + ttl; throws VerifyError Replayed
/// when it is already there. Call after checkFreshness() held for it.
void checkUnseen(const envelope::Envelope& env, ReplayCache& cache, std::int64_t nowMs);

}  // namespace drover::security
