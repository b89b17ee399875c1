#include "core/policy/audit_record.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace drover::policy {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::array<std::string_view, 7> kSecretWords = {
    "password", "passwd", "passphrase", "secret", "token", "credential", "key"};

// Invalid UTF-8 from the network must not make the line unwritable.
std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string dump(const OrderedJson& value) {
  return value.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string truncated(std::string_view text) {
  if (text.size() <= kMaxAuditValueBytes) return std::string(text);
  std::size_t cut = kMaxAuditValueBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...[truncated, " + std::to_string(text.size()) +
         " bytes]";
}

Json sanitizeValue(const Json& value);

Json sanitizeObject(const Json& object) {
  Json clean = Json::object();
  for (const auto& [name, value] : object.items()) {
    clean[name] = looksSecret(name) ? Json(kRedacted) : sanitizeValue(value);
  }
  return clean;
}

Json sanitizeValue(const Json& value) {
  if (value.is_object()) return sanitizeObject(value);
  if (value.is_string()) return truncated(value.get_ref<const std::string&>());
  if (!value.is_array()) return value;
  Json clean = Json::array();
  for (const auto& item : value) clean.push_back(sanitizeValue(item));
  return clean;
}

// An argument still too long written out (a long list, a deep map) becomes its text, cut.
Json bounded(Json value) {
  if (value.is_string()) return value;
  std::string text = dump(value);
  return text.size() <= kMaxAuditValueBytes ? value : Json(truncated(text));
}

OrderedJson text(std::string_view value) { return OrderedJson(std::string(value)); }

}  // namespace

bool looksSecret(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(kSecretWords.begin(), kSecretWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

Json sanitizeArgs(const Json& args) {
  if (!args.is_object()) return bounded(sanitizeValue(args));
  Json clean = Json::object();
  for (const auto& [name, value] : args.items()) {
    clean[name] = looksSecret(name) ? Json(kRedacted) : bounded(sanitizeValue(value));
  }
  return clean;
}

std::string isoTime(std::int64_t unixMs) {
  const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 32> buffer{};
  std::size_t length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::string millis = std::to_string(1000 + unixMs % 1000).substr(1);
  return std::string(buffer.data(), length) + "." + millis + "Z";
}

std::string decisionLine(std::int64_t unixMs, const AuditRequest& request,
                         const Decision& decision) {
  OrderedJson line = {{"time", isoTime(unixMs)},
                      {"event", "decision"},
                      {"request_id", text(request.requestId)},
                      {"node", text(request.node)},
                      {"caller", request.caller.name},
                      {"role", request.caller.role},
                      {"agent", text(request.agent)},
                      {"action", text(request.action)}};
  line["args"] = OrderedJson(sanitizeArgs(request.args));
  line["allowed"] = decision.allowed;
  line["reason"] = decision.reason;
  return dump(line);
}

std::string resultLine(std::int64_t unixMs, std::string_view requestId, std::string_view node,
                       envelope::StatusCode code, std::string_view message,
                       std::chrono::milliseconds duration) {
  OrderedJson result = {{"code", static_cast<int>(code)}, {"message", truncated(message)}};
  OrderedJson line = {
      {"time", isoTime(unixMs)}, {"event", "result"}, {"request_id", text(requestId)},
      {"node", text(node)},      {"result", result},  {"duration_ms", duration.count()}};
  return dump(line);
}

}  // namespace drover::policy
