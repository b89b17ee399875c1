#include "core/deploy/reader.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "core/config/checks.hpp"
#include "core/facts/facts_file.hpp"
#include "core/util/yaml_stream.hpp"

namespace drover::deploy {
namespace {

using std::chrono::milliseconds;
constexpr int kMaxDepth = 32;
// YAML aliases can make a small text a huge tree ("billion laughs"): a value is refused
// past this many nodes.
constexpr std::size_t kMaxNodes = 100000;
constexpr auto kMaxDuration = milliseconds(7LL * 24 * 3600 * 1000);

std::string kindOf(const YAML::Node& node) { return util::describeYamlNode(node); }

// The leading digits of `text` (at most 12) as a number and the rest; nullopt without any.
std::optional<std::pair<std::uint64_t, std::string>> numberAndUnit(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  return std::make_pair(std::stoull(text.substr(0, digits)), text.substr(digits));
}

std::optional<milliseconds> parseDuration(const std::string& text) {
  auto parsed = numberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  auto count = static_cast<long long>(value);
  if (unit == "ms") return milliseconds(count);
  if (unit == "s") return milliseconds(count * 1000);
  if (unit == "m") return milliseconds(count * 60 * 1000);
  if (unit == "h") return milliseconds(count * 3600 * 1000);
  return std::nullopt;
}

std::optional<std::uint64_t> parseSize(const std::string& text) {
  auto parsed = numberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  int shift = unit.empty() ? 0 : unit == "K" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : -1;
  if (shift < 0 || value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

}  // namespace

void Reader::problem(const YAML::Mark& mark, const std::string& key, const std::string& what) {
  std::string text = file_;
  if (mark.line >= 0) {
    text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  text += ": " + (key.empty() ? "" : key + ": ") + what;
  entries_.push_back(Entry{0, file_, mark.line, mark.column, std::move(text)});
}

std::string Reader::where(const YAML::Node& at, const std::string& key) const {
  YAML::Mark mark = at.Mark();
  std::string text = file_;
  if (mark.line >= 0) {
    text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return text + ": " + key;
}

void Reader::problemIn(const std::string& file, int line, int column, const std::string& what) {
  std::string text = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what;
  entries_.push_back(Entry{1, file, line, column, std::move(text)});
}

std::vector<std::string> Reader::problems() const {
  std::vector<Entry> sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.fileOrder, a.file, a.line, a.column) <
           std::tie(b.fileOrder, b.file, b.line, b.column);
  });
  std::vector<std::string> out;
  for (auto& entry : sorted) {
    if (std::find(out.begin(), out.end(), entry.text) == out.end()) out.push_back(entry.text);
  }
  return out;
}

bool Reader::requireMap(const YAML::Node& node, const std::string& key) {
  if (node.IsMap()) return true;
  problem(node, key, "expected a map, got " + kindOf(node));
  return false;
}

bool Reader::unique(const YAML::Node& map, const YAML::Node& key, const std::string& prefix) {
  for (const auto& item : map) {
    if (item.first.Mark().pos == key.Mark().pos) return true;
    if (item.first.IsScalar() && item.first.Scalar() == key.Scalar()) {
      problem(key, join(prefix, key.Scalar()),
              "duplicate key (first on line " + std::to_string(item.first.Mark().line + 1) + ")");
      return false;
    }
  }
  return true;
}

void Reader::onlyKeys(const YAML::Node& map, const std::string& prefix,
                      const std::vector<std::string>& known) {
  for (const auto& item : map) {
    if (!item.first.IsScalar()) {
      problem(item.first, prefix, "keys must be plain names");
      continue;
    }
    std::string key = item.first.Scalar();
    if (!unique(map, item.first, prefix)) continue;
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string hint = config::closestMatch(key, known);
    problem(item.first, join(prefix, key),
            "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
  }
}

std::optional<std::string> Reader::text(const YAML::Node& node, const std::string& key) {
  if (node.IsScalar() && !node.Scalar().empty()) return node.Scalar();
  problem(node, key, "expected a string, got " + kindOf(node));
  return std::nullopt;
}

std::optional<int> Reader::integer(const YAML::Node& node, const std::string& key, int min,
                                   int max) {
  Json value = node.IsScalar() ? facts::typedScalar(node.Scalar()) : Json();
  if (value.is_number_integer() && value.get<long long>() >= min && value.get<long long>() <= max) {
    return value.get<int>();
  }
  problem(node, key,
          "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
              ", got " + kindOf(node));
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const YAML::Node& node, const std::string& key) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  problem(node, key, "expected true or false, got " + kindOf(node));
  return std::nullopt;
}

std::optional<std::uint64_t> Reader::size(const YAML::Node& node, const std::string& key) {
  auto value = node.IsScalar() ? parseSize(node.Scalar()) : std::nullopt;
  if (value && *value > 0) return value;
  problem(node, key, "expected a size such as 64M, 1G or 4096 (bytes), got " + kindOf(node));
  return std::nullopt;
}

std::optional<milliseconds> Reader::duration(const YAML::Node& node, const std::string& key) {
  auto value = node.IsScalar() ? parseDuration(node.Scalar()) : std::nullopt;
  if (value && *value > milliseconds(0) && *value <= kMaxDuration) return value;
  problem(node, key,
          "expected a duration such as 500ms, 30s, 5m or 1h (at most 7 days), got " + kindOf(node));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Reader::strings(const YAML::Node& node,
                                                        const std::string& key) {
  if (!node.IsSequence()) {
    problem(node, key, "expected a list of strings, got " + kindOf(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = text(node[i], key + "[" + std::to_string(i) + "]");
    ok = ok && item.has_value();
    if (item) out.push_back(*item);
  }
  return ok ? std::optional(out) : std::nullopt;
}

std::optional<Json> Reader::json(const YAML::Node& node, const std::string& key, int depth) {
  if (depth > kMaxDepth) {
    problem(node, key, "nested too deeply");
    return std::nullopt;
  }
  if (++jsonNodes_ > kMaxNodes) {  // reported once: what follows is cut short as well
    if (jsonNodes_ == kMaxNodes + 1) problem(node, key, "too large (YAML aliases?)");
    return std::nullopt;
  }
  if (node.IsNull()) return Json(nullptr);
  if (node.IsScalar()) {
    return node.Tag() == "!" ? Json(node.Scalar()) : facts::typedScalar(node.Scalar());
  }
  return node.IsMap() ? jsonMap(node, key, depth) : jsonList(node, key, depth);
}

std::optional<Json> Reader::jsonList(const YAML::Node& node, const std::string& key, int depth) {
  Json out = Json::array();
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = json(node[i], key + "[" + std::to_string(i) + "]", depth + 1);
    ok = ok && item.has_value();
    out.push_back(item.value_or(Json()));
  }
  return ok ? std::optional(out) : std::nullopt;
}

std::optional<Json> Reader::jsonMap(const YAML::Node& node, const std::string& key, int depth) {
  Json out = Json::object();
  bool ok = true;
  for (const auto& item : node) {
    if (!item.first.IsScalar()) problem(item.first, key, "keys must be plain names");
    if (!item.first.IsScalar() || !unique(node, item.first, key)) {
      ok = false;
      continue;
    }
    auto value = json(item.second, join(key, item.first.Scalar()), depth + 1);
    ok = ok && value.has_value();
    if (value) out[item.first.Scalar()] = *value;
  }
  return ok ? std::optional(out) : std::nullopt;
}

}  // namespace drover::deploy
