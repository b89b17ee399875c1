#pragma once
// Small text helpers the notifiers share: times as mail and JSON want them, durations as
// people read them, and random ids.
#include <cstdint>
#include <string>

namespace drover::notifiers {

/// "2024-05-01T12:00:03.250Z" for ms since the epoch.
std::string rfc3339(std::int64_t epochMs);

/// "Wed, 01 May 2024 12:00:03 +0000": the RFC 5322 Date header. English names whatever
/// the process locale, as the RFC demands.
std::string rfc5322Date(std::int64_t epochMs);

/// "850 ms", "4.2 s", "3 min 12 s", "2 h 5 min".
std::string formatDuration(std::int64_t ms);

/// `count` random bytes from OpenSSL's generator, as lowercase hex.
std::string randomHex(std::size_t count);

/// Lowercase hex of `bytes`.
std::string toHex(const unsigned char* bytes, std::size_t size);

/// HMAC-SHA256 of `body` with `key`, as lowercase hex.
std::string hmacSha256Hex(const std::string& key, const std::string& body);

/// "1 node" / "3 nodes".
std::string countOf(std::size_t count, const std::string& singular, const std::string& plural);

}  // namespace drover::notifiers
