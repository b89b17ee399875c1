#include "launchers/settings.hpp"

#include <cctype>
#include <limits>

#include "launchers/launcher.hpp"

namespace drover::launchers {

SettingsReader::SettingsReader(const Json& settings, std::string where)
    : settings_(settings), where_(std::move(where)) {
  if (!settings_.is_object()) throw LaunchError(where_ + ": must be a mapping of settings");
}

const Json* SettingsReader::find(const std::string& key) {
  known_.insert(key);
  auto it = settings_.find(key);
  return it == settings_.end() || it->is_null() ? nullptr : &*it;
}

void SettingsReader::fail(const std::string& key, const std::string& what) const {
  throw LaunchError(where_ + "." + key + ": " + what);
}

std::string SettingsReader::text(const std::string& key, const std::string& fallback) {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_string() || value->get<std::string>().empty()) {
    fail(key, "must be a non-empty string");
  }
  return value->get<std::string>();
}

std::string SettingsReader::requiredText(const std::string& key) {
  if (find(key) == nullptr) fail(key, "is required");
  return text(key, "");
}

std::vector<std::string> SettingsReader::requiredList(const std::string& key) {
  const Json* value = find(key);
  if (value == nullptr) fail(key, "is required");
  if (!value->is_array() || value->empty()) fail(key, "must be a non-empty list of strings");
  std::vector<std::string> out;
  for (const auto& item : *value) {
    if (!item.is_string() || item.get<std::string>().empty()) {
      fail(key, "must be a non-empty list of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> SettingsReader::list(const std::string& key) {
  if (find(key) == nullptr) return {};
  return requiredList(key);
}

std::int64_t SettingsReader::number(const std::string& key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer() || value->get<std::int64_t>() < min ||
      value->get<std::int64_t>() > max) {
    fail(key, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value->get<std::int64_t>();
}

void SettingsReader::finish() const {
  std::string unknown;
  for (const auto& [key, value] : settings_.items()) {
    if (known_.count(key) == 0) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (!unknown.empty()) throw LaunchError(where_ + ": unknown key(s): " + unknown);
}

namespace {

std::uint64_t suffixFactor(char suffix) {
  switch (std::toupper(static_cast<unsigned char>(suffix))) {
    case 'K': return std::uint64_t{1} << 10;
    case 'M': return std::uint64_t{1} << 20;
    case 'G': return std::uint64_t{1} << 30;
    case 'T': return std::uint64_t{1} << 40;
    default: return 0;
  }
}

std::uint64_t parseSizeText(const std::string& text, const std::string& where) {
  const std::string bad =
      where + ": '" + text + "' is not a size (bytes, or a number with K, M, G or T)";
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15 || text.size() > digits + 1) throw LaunchError(bad);
  std::uint64_t factor = digits == text.size() ? 1 : suffixFactor(text.back());
  std::uint64_t count = std::stoull(text.substr(0, digits));
  if (factor == 0 || count == 0 || count > std::numeric_limits<std::uint64_t>::max() / factor) {
    throw LaunchError(bad);
  }
  return count * factor;
}

}  // namespace

std::uint64_t parseSize(const Json& size, const std::string& where) {
  if (size.is_number_unsigned() && size.get<std::uint64_t>() > 0) return size.get<std::uint64_t>();
  if (size.is_number_integer() && size.get<std::int64_t>() > 0) {
    return static_cast<std::uint64_t>(size.get<std::int64_t>());
  }
  if (size.is_string()) return parseSizeText(size.get<std::string>(), where);
  throw LaunchError(where + ": must be a positive size (bytes, or a number with K, M, G or T)");
}

}  // namespace drover::launchers
