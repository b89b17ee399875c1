#include "core/config/diagnostics.hpp"

#include "core/config/option_table.hpp"

namespace drover::config {

std::string Origin::where() const {
  if (!flag.empty()) return flag;
  if (file.empty()) return "";
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void Diagnostics::setOrigin(const std::string& key, Origin origin) {
  origins_[key] = std::move(origin);
}

const Origin* Diagnostics::origin(const std::string& key) const {
  auto it = origins_.find(key);
  return it == origins_.end() ? nullptr : &it->second;
}

void Diagnostics::add(const Origin& at, const std::string& message) {
  auto where = at.where();
  problems_.push_back(where.empty() ? message : where + ": " + message);
}

void Diagnostics::badValue(const Origin& at, const std::string& key, const std::string& message) {
  // A flag already names the setting; a file position needs the key beside it.
  add(at, at.flag.empty() ? "key '" + key + "': " + message : message);
}

void Diagnostics::badValue(const std::string& key, const std::string& message) {
  const Origin* at = origin(key);
  badValue(at != nullptr ? *at : Origin{}, key, message);
}

void Diagnostics::throwIfAny() const {
  if (problems_.empty()) return;
  std::string text;
  for (const auto& problem : problems_) text += (text.empty() ? "" : "\n") + problem;
  throw Error(text);
}

}  // namespace drover::config
