#include "core/security/asn1_time.hpp"

#include <ctime>

#include "core/security/openssl_handles.hpp"

namespace drover::security {

std::int64_t asn1TimeToMs(const ASN1_TIME* time) {
  std::tm parts{};
  checkOpenSsl(time != nullptr && ASN1_TIME_to_tm(time, &parts) == 1, "reading a certificate time");
  return static_cast<std::int64_t>(::timegm(&parts)) * 1000;
}

void setAsn1Time(ASN1_TIME* time, std::int64_t ms) {
  // Floor division, so times before the epoch (test certificates) round down too.
  std::int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  checkOpenSsl(ASN1_TIME_set(time, static_cast<std::time_t>(seconds)) != nullptr,
               "setting a certificate time");
}

std::string formatUtc(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace drover::security
