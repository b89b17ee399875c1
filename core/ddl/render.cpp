#include "core/ddl/render.hpp"

#include <algorithm>

#include "core/ddl/aggregate.hpp"
#include "core/ddl/text.hpp"

namespace drover::ddl {
namespace {

struct Row {
  std::string label;
  std::string value;
};

std::string labelOf(const Output& output) {
  return output.displayAs.empty() ? output.name : output.displayAs;
}

std::vector<Row> rowsOf(const Action& action, const Json& data) {
  std::vector<Row> rows;
  for (const auto& output : action.outputs) {
    auto it = data.find(output.name);
    if (it != data.end()) rows.push_back({labelOf(output), toText(*it)});
  }
  for (const auto& [key, value] : data.items()) {
    if (action.findOutput(key) == nullptr) rows.push_back({key, toText(value)});
  }
  return rows;
}

// Indents every line after the first by `margin` spaces.
std::string continued(const std::string& value, std::size_t margin) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == '\n') out.append(margin, ' ');
  }
  return out;
}

std::string indented(const std::string& lines, std::size_t indent) {
  std::string out;
  bool atLineStart = true;
  for (char c : lines) {
    if (atLineStart && c != '\n') out.append(indent, ' ');
    out += c;
    atLineStart = c == '\n';
  }
  return out;
}

}  // namespace

std::string renderReply(const Action& action, const Json& data, int indent) {
  std::size_t margin = static_cast<std::size_t>(std::max(indent, 0));
  if (!data.is_object()) return std::string(margin, ' ') + toText(data) + "\n";
  std::vector<Row> rows = rowsOf(action, data);
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.label.size());
  std::string out;
  for (const auto& row : rows) {
    out += std::string(margin + width - row.label.size(), ' ') + row.label + ": " +
           continued(row.value, margin + width + 2) + "\n";
  }
  return out;
}

bool shouldDisplay(const Action& action, bool ok) {
  switch (action.display) {
    case DisplayPolicy::Always: return true;
    case DisplayPolicy::Ok: return ok;
    case DisplayPolicy::Failed: return !ok;
  }
  return true;
}

std::string outputLabel(const Action& action, const std::string& output) {
  const Output* declared = action.findOutput(output);
  return declared ? labelOf(*declared) : output;
}

std::string renderSummaries(const Action& action, const std::vector<Json>& replyDatas) {
  std::string out;
  std::vector<std::string> shown;
  for (const auto& first : action.aggregates) {
    if (std::find(shown.begin(), shown.end(), first.output) != shown.end()) continue;
    shown.push_back(first.output);
    std::string lines;
    for (const auto& aggregate : action.aggregates) {
      if (aggregate.output != first.output) continue;
      lines += formatAggregate(aggregate, computeAggregate(aggregate, replyDatas));
    }
    out += "Summary of " + outputLabel(action, first.output) + ":\n\n" + indented(lines, 3) + "\n";
  }
  return out;
}

}  // namespace drover::ddl
