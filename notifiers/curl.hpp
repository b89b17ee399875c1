#pragma once
// libcurl handles owned from the line that makes them (leatherman's curl_handle is the
// model), and the one global init. Easy handles are not shared between threads.
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace drover::notifiers::curl {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using List = std::unique_ptr<curl_slist, ListDeleter>;

/// A new easy handle with the options every Drover transfer wants (see setDefaults).
/// curl_global_init runs once, first. Throws std::runtime_error when libcurl cannot make
/// a handle.
Easy makeEasy(long timeoutMs, char* errorBuffer);

/// Sets no signals (threads), the connect and total timeouts and the error buffer
/// (CURL_ERROR_SIZE bytes) on `handle`; again after curl_easy_reset().
void setDefaults(CURL* handle, long timeoutMs, char* errorBuffer);

/// A curl_slist of `items`. Throws std::bad_alloc.
List makeList(const std::vector<std::string>& items);

/// What went wrong: the error buffer's text when libcurl wrote one, else the code's.
std::string describe(CURLcode code, const char* errorBuffer);

}  // namespace drover::notifiers::curl
