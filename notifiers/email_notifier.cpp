#include "notifiers/email_notifier.hpp"

#include <stdexcept>

#include "core/util/clock.hpp"
#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

constexpr std::size_t kMaxLine = 990;  // RFC 5322 allows 998 octets before CRLF

// The body being uploaded, read by libcurl in chunks.
struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

size_t readUpload(char* buffer, size_t size, size_t count, void* userdata) {
  auto* upload = static_cast<Upload*>(userdata);
  size_t room = size * count;
  size_t left = upload->data->size() - upload->offset;
  size_t chunk = std::min(room, left);
  std::copy_n(upload->data->data() + upload->offset, chunk, buffer);
  upload->offset += chunk;
  return chunk;
}

// A header value on one line: templates may render an error with line breaks in it,
// which would otherwise start new headers.
std::string oneLine(const std::string& text) {
  std::string out;
  for (char c : text) out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  return out;
}

bool isAscii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string base64(const std::string& text) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                 (static_cast<unsigned char>(text[i + 1]) << 8) |
                 static_cast<unsigned char>(text[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < text.size()) {
    unsigned v = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) v |= static_cast<unsigned char>(text[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < text.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 encoded word for a subject that is not plain ASCII.
std::string subjectHeader(const std::string& subject) {
  std::string line = oneLine(subject);
  return isAscii(line) ? line : "=?UTF-8?B?" + base64(line) + "?=";
}

// '\n' to CRLF, and lines longer than the RFC allows cut into several.
std::string bodyLines(const std::string& text) {
  std::string out;
  std::size_t column = 0;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\r\n";
      column = 0;
      continue;
    }
    if (column == kMaxLine) {
      out += "\r\n";
      column = 0;
    }
    out += c;
    ++column;
  }
  if (column != 0) out += "\r\n";
  return out;
}

std::string domainOf(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "drover.invalid" : address.substr(at + 1);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

EmailNotifier::EmailNotifier(const ChannelOptions& options, EmailSettings settings)
    : Notifier(options.name, "email"),
      settings_(std::move(settings)),
      timeoutMs_(static_cast<long>(options.timeout.count())) {
  if (settings_.password) addSecret(settings_.password->reveal());
}

std::string EmailNotifier::compose(const Message& message, std::int64_t epochMs) const {
  std::string out;
  out += "Date: " + rfc5322Date(epochMs) + "\r\n";
  out += "From: Drover <" + settings_.from + ">\r\n";
  out += "To: " + joined(settings_.to) + "\r\n";
  out += "Subject: " + subjectHeader(message.subject) + "\r\n";
  out += "Message-ID: <" + message.id + "." + std::to_string(epochMs) + "@" +
         domainOf(settings_.from) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "X-Drover-Event: " + oneLine(message.document.value("event", "")) + "\r\n";
  out += "\r\n";
  out += bodyLines(message.text);
  return out;
}

void EmailNotifier::send(const Message& message) {
  curl::Easy handle = curl::makeEasy(timeoutMs_, error_.data());
  CURL* h = handle.get();
  std::string url = settings_.url;
  if (!settings_.helo.empty()) url += "/" + settings_.helo;  // the URL path is the EHLO name
  std::vector<std::string> recipients;
  for (const auto& address : settings_.to) recipients.push_back("<" + address + ">");
  curl::List rcpt = curl::makeList(recipients);
  const std::string from = "<" + settings_.from + ">";
  const std::string data = compose(message, util::nowMs());
  Upload upload{&data};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, readUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  long useSsl = settings_.tls == TlsMode::Required   ? static_cast<long>(CURLUSESSL_ALL)
                : settings_.tls == TlsMode::Optional ? static_cast<long>(CURLUSESSL_TRY)
                                                     : static_cast<long>(CURLUSESSL_NONE);
  curl_easy_setopt(h, CURLOPT_USE_SSL, useSsl);
  if (!settings_.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.caFile.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.username.c_str());
    if (settings_.password) {
      curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password->reveal().c_str());
    }
  }

  CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return;
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  std::string text = "SMTP " + settings_.url + ": " + curl::describe(code, error_.data()) +
                     (reply > 0 ? " (server reply " + std::to_string(reply) + ")" : "");
  if (code == CURLE_LOGIN_DENIED || reply >= 500) throw PermanentError(text);
  throw std::runtime_error(text);
}

}  // namespace drover::notifiers
