#include "cli/completion_cache.hpp"

#include <fstream>

#include "core/log/log.hpp"
#include "core/util/files.hpp"

namespace drover::cli {
namespace {

namespace fs = std::filesystem;

bool keepable(const std::string& text) {
  if (text.empty() || text.size() > CompletionCache::kMaxText) return false;
  for (unsigned char c : text) {
    // One shell word as typed: no blank, never a control character.
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Inserts into a bounded set; true when it grew.
bool insertBounded(std::set<std::string>& into, const std::string& text, std::size_t limit) {
  if (!keepable(text) || into.size() >= limit) return false;
  return into.insert(text).second;
}

std::set<std::string> stringSet(const Json& value, std::size_t limit) {
  std::set<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) insertBounded(out, item.get<std::string>(), limit);
  }
  return out;
}

}  // namespace

CompletionCache::CompletionCache(fs::path path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::ifstream in(path_);
  if (!in) return;
  Json cache = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!cache.is_object()) return;
  identities_ = stringSet(cache.value("identities", Json::array()), kMaxIdentities);
  classes_ = stringSet(cache.value("classes", Json::array()), kMaxClasses);
  const Json facts = cache.value("facts", Json::object());
  if (!facts.is_object()) return;
  for (const auto& [name, values] : facts.items()) {
    if (facts_.size() >= kMaxFacts || !keepable(name)) continue;
    facts_[name] = stringSet(values, kMaxValuesPerFact);
  }
}

void CompletionCache::addIdentities(const std::vector<std::string>& identities) {
  for (const auto& identity : identities) {
    changed_ = insertBounded(identities_, identity, kMaxIdentities) || changed_;
  }
}

void CompletionCache::addInventory(const std::string& identity, const Json& facts,
                                   const Json& classes) {
  addIdentities({identity});
  if (facts.is_object()) {
    for (const auto& [name, value] : facts.items()) addFact(name, value);
  }
  if (classes.is_array()) {
    for (const auto& cls : classes) {
      if (cls.is_string())
        changed_ = insertBounded(classes_, cls.get<std::string>(), kMaxClasses) || changed_;
    }
  }
}

void CompletionCache::addFact(const std::string& name, const Json& value) {
  if (value.is_object()) {  // filters name nested facts with dots: os.family
    for (const auto& [key, inner] : value.items()) addFact(name + "." + key, inner);
    return;
  }
  if (!keepable(name)) return;
  auto it = facts_.find(name);
  if (it == facts_.end()) {
    if (facts_.size() >= kMaxFacts) return;
    it = facts_.emplace(name, std::set<std::string>{}).first;
    changed_ = true;
  }
  if (value.is_array() || value.is_null()) return;  // no single value to compare with
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  changed_ = insertBounded(it->second, text, kMaxValuesPerFact) || changed_;
}

void CompletionCache::addFactValues(const std::string& fact,
                                    const std::vector<std::string>& values) {
  for (const auto& value : values) addFact(fact, Json(value));
}

void CompletionCache::save() const noexcept {
  if (!changed_ || path_.empty()) return;
  try {
    Json facts = Json::object();
    for (const auto& [name, values] : facts_) facts[name] = Json(values);
    Json cache = {{"identities", Json(identities_)}, {"facts", facts}, {"classes", Json(classes_)}};
    fs::create_directories(path_.parent_path());
    // The fleet's facts are the user's to read only.
    util::writeFileAtomically(
        path_, cache.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", 0600);
  } catch (const std::exception& e) {
    log::get("drover.cli")->debug("completion cache {} not written: {}", path_.string(), e.what());
  }
}

}  // namespace drover::cli
