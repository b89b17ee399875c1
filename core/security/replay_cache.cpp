#include "core/security/replay_cache.hpp"

#include "core/security/verify_error.hpp"

namespace drover::security {
namespace {

using Reason = VerifyError::Reason;

// The memory std::string allocates beyond itself for `text`: nothing when it fits the
// small-string buffer, which libstdc++ and libc++ both make at least 15 characters.
std::size_t heapBytes(const std::string& text) {
  return text.capacity() > 15 ? text.capacity() + 1 : 0;
}

}  // namespace

ReplayCache::ReplayCache(std::size_t maxEntries) : maxEntries_(maxEntries == 0 ? 1 : maxEntries) {}

bool ReplayCache::checkAndInsert(const std::string& id, std::int64_t expiresAtMs,
                                 std::int64_t nowMs) {
  if (expiresAtMs <= nowMs) return false;
  std::lock_guard lock(mutex_);
  dropExpired(nowMs);
  if (expiries_.count(id) != 0) return false;
  if (expiries_.size() >= maxEntries_) evictSoonest();
  auto [it, inserted] = expiries_.emplace(id, expiresAtMs);
  byExpiry_.emplace(expiresAtMs, std::string_view(it->first));
  keyHeapBytes_ += heapBytes(it->first);
  return inserted;
}

void ReplayCache::dropExpired(std::int64_t nowMs) {
  while (!byExpiry_.empty() && byExpiry_.begin()->first <= nowMs) evictSoonest();
}

void ReplayCache::evictSoonest() {
  auto soonest = byExpiry_.begin();
  auto entry = expiries_.find(soonest->second);
  byExpiry_.erase(soonest);              // before the key its view points at goes
  if (entry == expiries_.end()) return;  // unreachable: both change together
  keyHeapBytes_ -= heapBytes(entry->first);
  expiries_.erase(entry);
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return expiries_.size();
}

std::size_t ReplayCache::memoryBytes() const {
  std::lock_guard lock(mutex_);
  // Hash node: next pointer, key, value, cached hash. Tree node: colour, three
  // links, value. Plus the bucket array and the ids that live on the heap.
  constexpr std::size_t kHashNode =
      sizeof(void*) + sizeof(std::string) + sizeof(std::int64_t) + sizeof(std::size_t);
  constexpr std::size_t kTreeNode =
      4 * sizeof(void*) + sizeof(std::pair<std::int64_t, std::string_view>);
  return expiries_.size() * (kHashNode + kTreeNode) + expiries_.bucket_count() * sizeof(void*) +
         keyHeapBytes_;
}

void checkFreshness(std::int64_t sentAtMs, std::uint32_t ttlSeconds, std::int64_t nowMs,
                    std::int64_t maxSkewMs, const std::string& what) {
  std::int64_t expiresAt = sentAtMs + static_cast<std::int64_t>(ttlSeconds) * 1000;
  if (nowMs > expiresAt) {
    throw VerifyError(Reason::Stale, what + " expired " +
                                         std::to_string((nowMs - expiresAt) / 1000) +
                                         " s ago (ttl " + std::to_string(ttlSeconds) + " s)");
  }
  if (sentAtMs > nowMs + maxSkewMs) {
    throw VerifyError(Reason::FromFuture, what + " is " +
                                              std::to_string((sentAtMs - nowMs) / 1000) +
                                              " s in the future (allowed clock skew " +
                                              std::to_string(maxSkewMs / 1000) + " s)");
  }
}

void checkFreshAndUnseen(const envelope::Envelope& env, ReplayCache& cache, std::int64_t nowMs,
                         std::int64_t maxSkewMs) {
  std::string what =
      std::string(envelope::toString(env.type)) + " " + env.id + " from '" + env.sender + "'";
  checkFreshness(env.time, env.ttl, nowMs, maxSkewMs, what);
  std::int64_t expiresAt = env.time + static_cast<std::int64_t>(env.ttl) * 1000;
  // expiresAt == nowMs passed the freshness check but has nothing left to protect.
  if (expiresAt > nowMs && !cache.checkAndInsert(env.id, expiresAt, nowMs)) {
    throw VerifyError(Reason::Replayed, what + " was already received (replay)");
  }
}

}  // namespace drover::security
