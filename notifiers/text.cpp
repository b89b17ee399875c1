#include "notifiers/text.hpp"

#include <array>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace drover::notifiers {
namespace {

std::tm utc(std::int64_t epochMs) {
  std::time_t seconds = static_cast<std::time_t>(epochMs / 1000);
  std::tm out{};
  gmtime_r(&seconds, &out);
  return out;
}

}  // namespace

std::string rfc3339(std::int64_t epochMs) {
  std::tm t = utc(epochMs);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, epochMs % 1000);
}

std::string rfc5322Date(std::int64_t epochMs) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm t = utc(epochMs);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[t.tm_wday], t.tm_mday,
                     kMonths[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
}

std::string formatDuration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms < 60'000) {
    // Whole seconds read better without a ".0".
    if (ms % 1000 < 50 || ms >= 10'000) return fmt::format("{} s", (ms + 500) / 1000);
    return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  }
  std::int64_t seconds = (ms + 500) / 1000;
  if (seconds < 3600) {
    return seconds % 60 == 0 ? fmt::format("{} min", seconds / 60)
                             : fmt::format("{} min {} s", seconds / 60, seconds % 60);
  }
  std::int64_t minutes = (seconds + 30) / 60;
  return minutes % 60 == 0 ? fmt::format("{} h", minutes / 60)
                           : fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

std::string toHex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return out;
}

std::string randomHex(std::size_t count) {
  std::string bytes(count, '\0');
  auto* data = reinterpret_cast<unsigned char*>(bytes.data());
  if (RAND_bytes(data, static_cast<int>(count)) != 1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return toHex(data, count);
}

std::string hmacSha256Hex(const std::string& key, const std::string& body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(),
           &size) == nullptr) {
    throw std::runtime_error("OpenSSL could not compute HMAC-SHA256");
  }
  return toHex(digest.data(), size);
}

std::string countOf(std::size_t count, const std::string& singular, const std::string& plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

}  // namespace drover::notifiers
