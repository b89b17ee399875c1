#pragma once
// Mail through libcurl's SMTP client: one message to every address in `to`, plain text,
// with Date, Message-ID, From, To, Subject and Auto-Submitted headers. TLS is required by
// default (STARTTLS on smtp://, implicit on smtps://); credentials are only accepted with
// TLS required, because libcurl silently skips AUTH when the server does not offer it.
// A 5xx reply or a refused login is permanent; connection problems and 4xx are retried.
#include <array>

#include "notifiers/config.hpp"
#include "notifiers/curl.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

class EmailNotifier : public Notifier {
 public:
  EmailNotifier(const ChannelOptions& options, EmailSettings settings);

  /// The whole RFC 5322 message for `message` at `epochMs`, CRLF line ends.
  std::string compose(const Message& message, std::int64_t epochMs) const;

 protected:
  void send(const Message& message) override;

 private:
  EmailSettings settings_;
  long timeoutMs_;
  std::array<char, CURL_ERROR_SIZE> error_{};
};

}  // namespace drover::notifiers
