#pragma once
// Conversions between OpenSSL's ASN1_TIME and the project's clock (ms since the epoch).
#include <openssl/asn1.h>

#include <cstdint>
#include <string>

namespace drover::security {

/// Milliseconds since the Unix epoch for `time`. Throws OpenSslError if malformed.
std::int64_t asn1TimeToMs(const ASN1_TIME* time);

/// Sets `time` to `ms` (truncated to whole seconds). Throws OpenSslError.
void setAsn1Time(ASN1_TIME* time, std::int64_t ms);

/// "2026-03-01T12:00:00Z": how certificate and CRL times appear in messages.
std::string formatUtc(std::int64_t ms);

inline constexpr std::int64_t kMsPerDay = 86'400'000;

}  // namespace drover::security
