#include "notifiers/curl.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace drover::notifiers::curl {

Easy makeEasy(long timeoutMs, char* errorBuffer) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Easy handle(curl_easy_init());
  if (!handle) throw std::runtime_error("libcurl could not create a handle");
  setDefaults(handle.get(), timeoutMs, errorBuffer);
  return handle;
}

void setDefaults(CURL* handle, long timeoutMs, char* errorBuffer) {
  errorBuffer[0] = '\0';
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeoutMs, 10'000L));
}

List makeList(const std::vector<std::string>& items) {
  List list;
  for (const auto& item : items) {
    curl_slist* grown = curl_slist_append(list.get(), item.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    static_cast<void>(list.release());
    list.reset(grown);
  }
  return list;
}

std::string describe(CURLcode code, const char* errorBuffer) {
  // The buffer says more ("Failed to connect to 127.0.0.1 port 9 after 0 ms: ...").
  if (errorBuffer != nullptr && errorBuffer[0] != '\0') return errorBuffer;
  return curl_easy_strerror(code);
}

}  // namespace drover::notifiers::curl
