#include "notifiers/webhook_notifier.hpp"

#include <stdexcept>

#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

// Keeps the start of the receiver's answer for the error message.
size_t keepReply(char* data, size_t size, size_t count, void* out) {
  auto* reply = static_cast<std::string*>(out);
  size_t bytes = size * count;
  if (reply->size() < 300) reply->append(data, std::min(bytes, 300 - reply->size()));
  return bytes;
}

bool retryableStatus(long status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

WebhookNotifier::WebhookNotifier(const ChannelOptions& options, WebhookSettings settings)
    : Notifier(options.name, "webhook"),
      settings_(std::move(settings)),
      timeoutMs_(static_cast<long>(options.timeout.count())) {
  if (settings_.hmacKey) addSecret(settings_.hmacKey->reveal());
  if (settings_.bearerToken) addSecret(settings_.bearerToken->reveal());
}

std::string WebhookNotifier::signature(const std::string& key, const std::string& body) {
  return "sha256=" + hmacSha256Hex(key, body);
}

void WebhookNotifier::send(const Message& message) {
  // One handle for the notifier's life: curl_easy_reset() clears the options of the
  // last message but keeps the open connection.
  if (!handle_) handle_ = curl::makeEasy(timeoutMs_, error_.data());
  CURL* h = handle_.get();
  curl_easy_reset(h);
  curl::setDefaults(h, timeoutMs_, error_.data());

  const std::string body = message.document.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::vector<std::string> headers{"Content-Type: application/json",
                                   "User-Agent: drover-notify/" DROVER_VERSION,
                                   "X-Drover-Event: " + message.document.value("event", ""),
                                   "X-Drover-Delivery: " + message.id, "Expect:"};
  if (settings_.hmacKey) {
    headers.push_back("X-Drover-Signature: " + signature(settings_.hmacKey->reveal(), body));
  }
  if (settings_.bearerToken) {
    headers.push_back("Authorization: Bearer " + settings_.bearerToken->reveal());
  }
  curl::List headerList = curl::makeList(headers);
  std::string reply;
  curl_easy_setopt(h, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headerList.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keepReply);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!settings_.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.caFile.c_str());

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    throw std::runtime_error("POST " + settings_.url + ": " + curl::describe(code, error_.data()));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return;
  std::string text = "POST " + settings_.url + ": HTTP " + std::to_string(status) +
                     (reply.empty() ? "" : ": " + reply);
  if (retryableStatus(status)) throw std::runtime_error(text);
  throw PermanentError(text);
}

}  // namespace drover::notifiers
