#include "core/facts/fact_set.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "core/log/log.hpp"

namespace drover::facts {
namespace {

bool fileExists(const std::filesystem::path& file) {
  std::error_code ignored;
  return !file.empty() && std::filesystem::exists(file, ignored);
}

// Reads one file with `load`; a missing file gives `empty`, and a broken one gives
// `*previous` (logged), or throws when there is no previous content to keep.
template <typename T, typename Load>
T readOrKeep(const std::filesystem::path& file, Load load, T empty, const T* previous) {
  if (!fileExists(file)) return empty;
  try {
    return load(file);
  } catch (const Error& e) {
    if (previous == nullptr) throw;
    log::get("drover.facts")
        ->error("keeping the previous content of file={}: {}", file.string(), e.what());
    return *previous;
  }
}

Json withoutVolatile(Json facts) {
  for (auto name : kVolatileFacts) facts.erase(std::string(name));
  return facts;
}

const Json* child(const Json& node, std::string_view segment) {
  if (node.is_object()) {
    auto it = node.find(std::string(segment));
    return it == node.end() ? nullptr : &*it;
  }
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
  if (!node.is_array() || ec != std::errc() || end != segment.data() + segment.size())
    return nullptr;
  return index < node.size() ? &node[index] : nullptr;
}

}  // namespace

FactSet::FactSet(std::filesystem::path factsFile, std::filesystem::path classesFile,
                 BuiltinSource builtins)
    : factsFile_(std::move(factsFile)),
      classesFile_(std::move(classesFile)),
      builtins_(std::move(builtins)),
      state_(read(nullptr)) {
  if (!factsFile_.empty() && !fileExists(factsFile_)) {
    log::get("drover.facts")
        ->warn("facts file={} does not exist (yet); using built-in facts", factsFile_.string());
  }
}

FactSet::State FactSet::read(const State* previous) const {
  State next;
  next.fileFacts = readOrKeep<Json>(factsFile_, loadFactsFile, Json::object(),
                                    previous != nullptr ? &previous->fileFacts : nullptr);
  next.classes = readOrKeep<std::vector<std::string>>(
      classesFile_, loadClassesFile, {}, previous != nullptr ? &previous->classes : nullptr);
  next.merged = builtins_ ? builtins_() : Json::object();
  for (const auto& [name, value] : next.fileFacts.items()) next.merged[name] = value;
  return next;
}

Json FactSet::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_.merged;
}

std::vector<std::string> FactSet::classes() const {
  std::lock_guard lock(mutex_);
  return state_.classes;
}

bool FactSet::reload() {
  std::lock_guard reloading(reloadMutex_);
  State previous;
  {
    std::lock_guard lock(mutex_);
    previous = state_;
  }
  State next = read(&previous);
  bool changed = next.classes != previous.classes ||
                 withoutVolatile(next.merged) != withoutVolatile(previous.merged);
  std::lock_guard lock(mutex_);
  state_ = std::move(next);
  return changed;
}

const Json* lookup(const Json& facts, std::string_view dottedName) {
  if (!facts.is_object()) return nullptr;
  if (auto exact = facts.find(std::string(dottedName)); exact != facts.end()) return &*exact;
  const Json* node = &facts;
  while (node != nullptr) {
    auto dot = dottedName.find('.');
    node = child(*node, dottedName.substr(0, dot));
    if (dot == std::string_view::npos) return node;
    dottedName.remove_prefix(dot + 1);
  }
  return nullptr;
}

}  // namespace drover::facts
