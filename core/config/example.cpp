#include "core/config/example.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

#include "core/config/values.hpp"

namespace drover::config {
namespace {

std::vector<std::string> split(const std::string& key) {
  std::vector<std::string> parts;
  std::istringstream in(key);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  return parts;
}

std::string sectionOf(const std::string& key) {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? "" : key.substr(0, dot);
}

// Keys of one section must be adjacent to nest under a single "section:" line, so order
// by where each top-level name, then each full section, first appears.
std::vector<Binding> grouped(std::vector<Binding> fields) {
  std::map<std::string, std::size_t> firstSeen;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string& key = fields[i].spec->key;
    firstSeen.emplace(split(key).front(), i);
    firstSeen.emplace("." + sectionOf(key), i);
  }
  auto rank = [&](const Binding& b) {
    return std::pair(firstSeen[split(b.spec->key).front()],
                     firstSeen["." + sectionOf(b.spec->key)]);
  };
  std::stable_sort(fields.begin(), fields.end(),
                   [&](const Binding& a, const Binding& b) { return rank(a) < rank(b); });
  return fields;
}

bool saysWhatItAccepts(const OptionSpec& spec) {
  bool plain =
      spec.type == Type::String || spec.type == Type::Path || spec.type == Type::StringList;
  return !plain || spec.check.has_value();
}

void writeOption(std::ostream& out, const Binding& binding, const std::string& indent,
                 const std::string& name) {
  const OptionSpec& spec = *binding.spec;
  bool stop = !spec.description.empty() && spec.description.back() == '.';
  out << indent << "# " << spec.description << (stop ? "\n" : ".\n");
  if (saysWhatItAccepts(spec)) out << indent << "# Accepts " << expectation(spec) << ".\n";
  if (!spec.shownDefault.empty()) {
    out << indent << "# Default: " << spec.shownDefault << ". Flag: " << spec.flag << ".\n";
    out << indent << "# " << name << ":\n";
    return;
  }
  out << indent << "# Flag: " << spec.flag << ".\n";
  out << indent << name << ": " << formatValue(binding.field) << "\n";
}

}  // namespace

std::string exampleYaml(const std::vector<Binding>& fields, const std::string& heading) {
  std::ostringstream out;
  std::istringstream headingLines(heading);
  for (std::string line; std::getline(headingLines, line);) {
    out << (line.empty() ? "#" : "# " + line) << "\n";
  }
  std::vector<std::string> open;  // sections currently nested in
  for (const auto& binding : grouped(fields)) {
    auto parts = split(binding.spec->key);
    std::vector<std::string> sections(parts.begin(), parts.end() - 1);
    std::size_t common = 0;
    while (common < open.size() && common < sections.size() && open[common] == sections[common]) {
      ++common;
    }
    for (std::size_t depth = common; depth < sections.size(); ++depth) {
      out << "\n" << std::string(2 * depth, ' ') << sections[depth] << ":";
    }
    out << "\n";
    open = sections;
    writeOption(out, binding, std::string(2 * sections.size(), ' '), parts.back());
  }
  return out.str();
}

}  // namespace drover::config
