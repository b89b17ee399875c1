#include "core/security/replay_cache.hpp"

#include <cstring>

#include <sodium.h>

#include "core/log/throttle.hpp"
#include "core/security/verify_error.hpp"

namespace drover::security {
namespace {

using Reason = VerifyError::Reason;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

ReplayCache::Key ReplayCache::keyOf(std::string_view id) {
  Key key{};
  if (envelope::isValidId(id)) {
    for (std::size_t i = 0; i < key.size(); ++i) {
      key[i] = static_cast<std::uint8_t>(hexValue(id[2 * i]) * 16 + hexValue(id[2 * i + 1]));
    }
    return key;
  }
  static const bool sodiumReady = sodium_init() >= 0;  // thread safe, once
  if (!sodiumReady) throw std::runtime_error("libsodium could not initialise");
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(id.data()), id.size());
  std::memcpy(key.data(), digest.data(), key.size());
  return key;
}

std::size_t ReplayCache::KeyHash::operator()(const Key& key) const {
  std::size_t hash = 0;
  std::memcpy(&hash, key.data(), sizeof(hash));
  return hash;
}

ReplayCache::ReplayCache(std::size_t maxEntries) : maxEntries_(maxEntries == 0 ? 1 : maxEntries) {}

bool ReplayCache::checkAndInsert(std::string_view id, std::int64_t expiresAtMs,
                                 std::int64_t nowMs) {
  if (expiresAtMs <= nowMs) return false;
  const Key key = keyOf(id);
  std::lock_guard lock(mutex_);
  dropExpired(nowMs);
  if (expiries_.count(key) != 0) return false;
  if (expiries_.size() >= maxEntries_) evictSoonest();
  expiries_.emplace(key, expiresAtMs);
  byExpiry_.emplace(expiresAtMs, key);
  return true;
}

void ReplayCache::dropExpired(std::int64_t nowMs) {
  while (!byExpiry_.empty() && byExpiry_.begin()->first <= nowMs) evictSoonest();
}

void ReplayCache::evictSoonest() {
  auto soonest = byExpiry_.begin();
  expiries_.erase(soonest->second);
  byExpiry_.erase(soonest);
}

std::size_t ReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return expiries_.size();
}

std::size_t ReplayCache::memoryBytes() const {
  std::lock_guard lock(mutex_);
  // Hash node: next pointer, key, value, cached hash. Tree node: colour, three
  // links, value. Plus the bucket array. Nothing depends on what the sender wrote.
  constexpr std::size_t kHashNode =
      sizeof(void*) + sizeof(Key) + sizeof(std::int64_t) + sizeof(std::size_t);
  constexpr std::size_t kTreeNode = 4 * sizeof(void*) + sizeof(std::pair<std::int64_t, Key>);
  return expiries_.size() * (kHashNode + kTreeNode) + expiries_.bucket_count() * sizeof(void*);
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

void checkUnseen(const envelope::Envelope& env, ReplayCache& cache, std::int64_t nowMs) {
  std::int64_t expiresAt = env.time + static_cast<std::int64_t>(env.ttl) * 1000;
  // expiresAt == nowMs passed the freshness check but has nothing left to protect.
  if (expiresAt > nowMs && !cache.checkAndInsert(env.id, expiresAt, nowMs)) {
    throw VerifyError(Reason::Replayed,
                      std::string(envelope::toString(env.type)) + " " + log::clip(env.id, 40) +
                          " from '" + log::clip(env.sender) + "' was already received (replay)");
  }
}

}  // namespace drover::security
