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
// Thread safe.
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

  /// Records `id` until `expiresAtMs` and returns true, unless it is already recorded
  /// with an expiry after `nowMs` (a replay) or `expiresAtMs <= nowMs` (nothing left
  /// to protect, and the message is stale): then false, and nothing is recorded.
  /// Expired entries are dropped as a side effect. Throws std::bad_alloc only.
  bool checkAndInsert(const std::string& id, std::int64_t expiresAtMs, std::int64_t nowMs);

  std::size_t size() const;

  /// An estimate of the heap memory the entries use (nodes, keys, buckets).
  std::size_t memoryBytes() const;

 private:
  void dropExpired(std::int64_t nowMs);
  void evictSoonest();

  // Lets expiries_ be searched by string_view without building a std::string.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  const std::size_t maxEntries_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<std::string, std::int64_t, IdHash, std::equal_to<>> expiries_;
  // (expiry, id) ordered by expiry; the views point at expiries_' keys, which stay put
  // while their nodes live (rehashing moves buckets, never nodes).
  std::set<std::pair<std::int64_t, std::string_view>> byExpiry_;
  std::size_t keyHeapBytes_ = 0;  // ids too long for the string's inline buffer
};

/// Refuses a message sent more than `ttlSeconds` before `nowMs` (VerifyError Stale)
/// or more than `maxSkewMs` after it (VerifyError FromFuture). `what` names the
/// message in the error ("request 3f2a... from 'alice.admin'").
void checkFreshness(std::int64_t sentAtMs, std::uint32_t ttlSeconds, std::int64_t nowMs,
                    std::int64_t maxSkewMs, const std::string& what);

/// checkFreshness() on the envelope's time and ttl, then records its id in `cache`
/// until time + ttl. Throws VerifyError (Stale, FromFuture, Replayed).
void checkFreshAndUnseen(const envelope::Envelope& env, ReplayCache& cache, std::int64_t nowMs,
                         std::int64_t maxSkewMs = kDefaultMaxSkewMs);

}  // namespace drover::security
