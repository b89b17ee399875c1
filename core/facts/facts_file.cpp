#include "core/facts/facts_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "core/util/files.hpp"

namespace drover::facts {
namespace {

// Alias expansion can turn a small file into a huge tree; no real facts file comes close.
constexpr long kMaxNodes = 1'000'000;

// The number rules are checked by hand, not with std::regex: libstdc++'s matcher recurses
// once per character and overflows the stack on a long run of digits.
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the integer `-?(0|[1-9][0-9]*)` at the start of `text`; 0 when there is none.
std::size_t integerPrefix(std::string_view text) {
  std::size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i >= text.size() || !isDigit(text[i])) return 0;
  if (text[i] == '0') return i + 1;
  while (i < text.size() && isDigit(text[i])) ++i;
  return i;
}

bool isInteger(const std::string& text) {
  const auto length = integerPrefix(text);
  return length > 0 && length == text.size();
}

// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, as the filter language reads numbers.
bool isDecimal(const std::string& text) {
  const auto length = integerPrefix(text);
  if (length == 0) return false;
  if (length == text.size()) return true;
  if (text[length] != '.' || length + 1 == text.size()) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(length) + 1, text.end(), isDigit);
}

std::optional<Json> asInteger(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // too big
  return Json(value);
}

std::optional<Json> asDouble(const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return Json(value);
}

std::string where(const std::string& name, const YAML::Mark& mark) {
  return name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// Converts one document, with a depth and size budget against alias bombs and cycles.
class Converter {
 public:
  explicit Converter(std::string name) : name_(std::move(name)) {}

  Json convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth)
      fail(node.Mark(), "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    if (++nodes_ > kMaxNodes)
      fail(node.Mark(), "more than " + std::to_string(kMaxNodes) + " values");
    switch (node.Type()) {
      case YAML::NodeType::Map: return convertMap(node, depth);
      case YAML::NodeType::Sequence: return convertList(node, depth);
      case YAML::NodeType::Scalar: return convertScalar(node);
      default: return nullptr;
    }
  }

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
    throw Error(where(name_, mark) + ": " + message);
  }

 private:
  Json convertMap(const YAML::Node& node, int depth) {
    Json out = Json::object();
    std::map<std::string, int> lines;  // key -> line first seen
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) fail(key.Mark(), "expected a fact name, got a map, list or null");
      auto [first, fresh] = lines.emplace(key.Scalar(), key.Mark().line + 1);
      if (!fresh) {
        fail(key.Mark(), "duplicate key '" + key.Scalar() + "' (first on line " +
                             std::to_string(first->second) + ")");
      }
      out[key.Scalar()] = convert(entry.second, depth + 1);
    }
    return out;
  }

  Json convertList(const YAML::Node& node, int depth) {
    Json out = Json::array();
    for (const auto& item : node) out.push_back(convert(item, depth + 1));
    return out;
  }

  // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
  static Json convertScalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
    return typedScalar(node.Scalar());
  }

  std::string name_;
  long nodes_ = 0;
};

std::string trim(const std::string& line) {
  auto begin = line.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  auto end = line.find_last_not_of(" \t\r");
  return line.substr(begin, end - begin + 1);
}

std::string readOrThrow(const std::filesystem::path& file) {
  try {
    return util::readFile(file);
  } catch (const std::runtime_error& e) {
    throw Error(e.what());
  }
}

}  // namespace

Json typedScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (isInteger(text)) return asInteger(text).value_or(Json(text));
  if (isDecimal(text)) return asDouble(text).value_or(Json(text));
  return text;
}

Json parseFacts(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(where(name, e.mark) + ": YAML syntax error: " + e.msg);
  }
  Converter converter(name);
  if (root.IsNull()) return Json::object();
  if (!root.IsMap())
    converter.fail(root.Mark(), "expected a map of fact names to values at the top level");
  return converter.convert(root, 0);
}

Json loadFactsFile(const std::filesystem::path& file) {
  return parseFacts(readOrThrow(file), file.string());
}

std::vector<std::string> loadClassesFile(const std::filesystem::path& file) {
  std::istringstream in(readOrThrow(file));
  std::vector<std::string> classes;
  for (std::string line; std::getline(in, line);) {
    std::string name = trim(line);
    if (!name.empty() && name.front() != '#') classes.push_back(name);
  }
  return classes;
}

}  // namespace drover::facts
