#pragma once
// HTTP POST of the message's JSON document. Headers: Content-Type application/json,
// X-Drover-Event, X-Drover-Delivery (the message id, the same on retries, so a receiver
// can drop duplicates) and, with a key, X-Drover-Signature: sha256=<hex HMAC-SHA256 of
// the exact body>. A 2xx answer is success; 408, 429 and 5xx are worth retrying; any
// other status is a permanent failure (the receiver refused this request as it is).
#include <array>

#include "notifiers/config.hpp"
#include "notifiers/curl.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

class WebhookNotifier : public Notifier {
 public:
  WebhookNotifier(const ChannelOptions& options, WebhookSettings settings);

  /// The X-Drover-Signature value for `body` under `key`: "sha256=<hex>".
  static std::string signature(const std::string& key, const std::string& body);

 protected:
  void send(const Message& message) override;

 private:
  WebhookSettings settings_;
  long timeoutMs_;
  std::array<char, CURL_ERROR_SIZE> error_{};
  curl::Easy handle_;  // kept between messages: keep-alive to the receiver
};

}  // namespace drover::notifiers
