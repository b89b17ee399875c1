#include "core/ddl/plugin_doc.hpp"

#include "core/ddl/text.hpp"

namespace drover::ddl {
namespace {

// Column layout of `mco plugin doc`: section bodies at 7, items at 11, fields at 14.
constexpr std::size_t kBody = 7;
constexpr std::size_t kItem = 11;
constexpr std::size_t kFieldIndent = 14;
constexpr std::size_t kFieldWidth = 11;  // "Description"

void line(std::string& out, std::size_t indent, const std::string& text) {
  out += std::string(indent, ' ') + text + "\n";
}

void underlined(std::string& out, std::size_t indent, const std::string& title, char rule) {
  line(out, indent, title);
  line(out, indent, std::string(title.size(), rule));
}

// "  Label: value", labels right-aligned in `width`; skipped when the value is empty.
void field(std::string& out, std::size_t indent, std::size_t width, const std::string& label,
           const std::string& value) {
  if (value.empty()) return;
  std::size_t pad = width > label.size() ? width - label.size() : 0;
  line(out, indent + pad, label + ": " + value);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void header(std::string& out, const Ddl& ddl) {
  const Metadata& m = ddl.metadata;
  underlined(out, 0, m.name, '=');
  out += "\n";
  if (!m.description.empty()) out += m.description + "\n\n";
  field(out, 3, 9, "Author", m.author);
  field(out, 3, 9, "Version", m.version);
  field(out, 3, 9, "License", m.license);
  field(out, 3, 9, "Timeout", std::to_string(m.timeout));
  field(out, 3, 9, "Home Page", m.url);
  field(out, 3, 9, "Provider", m.provider);
  field(out, 3, 9, "Service", m.service ? "true" : "");
  out += "\n";
}

void inputDoc(std::string& out, const Input& input) {
  line(out, kItem, input.name + ":");
  auto f = [&](const std::string& label, const std::string& value) {
    field(out, kFieldIndent, kFieldWidth, label, value);
  };
  f("Description", input.description);
  f("Prompt", input.prompt);
  f("Type", input.unknownType ? "'" + *input.unknownType + "' (unknown)"
                              : std::string(toString(input.type)));
  f("Optional", input.optional ? "true" : "false");
  f("Default", input.defaultValue ? compactJson(*input.defaultValue) : "");
  f("Validation", input.validation);
  f("Max Length", input.maxlength > 0 ? std::to_string(input.maxlength) : "");
  f("Values", joined(input.list));
  out += "\n";
}

void outputDoc(std::string& out, const Output& output) {
  line(out, kItem, output.name + ":");
  auto f = [&](const std::string& label, const std::string& value) {
    field(out, kFieldIndent, kFieldWidth, label, value);
  };
  f("Description", output.description);
  f("Display As", output.displayAs);
  f("Type", output.type);
  f("Default", output.defaultValue ? compactJson(*output.defaultValue) : "");
  out += "\n";
}

void aggregatesDoc(std::string& out, const Action& action) {
  if (action.aggregates.empty()) return;
  line(out, kBody, "AGGREGATES:");
  for (const auto& aggregate : action.aggregates) {
    bool options = aggregate.args.is_object() && !aggregate.args.empty();
    line(out, kItem,
         aggregate.function + "(" + aggregate.output +
             (options ? ", " + compactJson(aggregate.args) : "") + ")");
  }
  out += "\n";
}

void actionDoc(std::string& out, const Action& action) {
  underlined(out, 3, action.name + " action:", '-');
  if (!action.description.empty()) line(out, kBody, action.description);
  out += "\n";
  line(out, kBody, "Display: " + std::string(toString(action.display)));
  out += "\n";
  line(out, kBody, "INPUT:");
  if (action.inputs.empty()) line(out, kItem, "This action does not have any inputs\n");
  for (const auto& input : action.inputs) inputDoc(out, input);
  line(out, kBody, "OUTPUT:");
  if (action.outputs.empty()) line(out, kItem, "This action does not have any outputs\n");
  for (const auto& output : action.outputs) outputDoc(out, output);
  aggregatesDoc(out, action);
}

}  // namespace

std::string pluginDoc(const Ddl& ddl) {
  std::string out;
  header(out, ddl);
  underlined(out, 0, "ACTIONS:", '=');
  std::vector<std::string> names;
  for (const auto& action : ddl.actions) names.push_back(action.name);
  line(out, 3, names.empty() ? "This agent does not have any actions" : joined(names));
  out += "\n";
  for (const auto& action : ddl.actions) actionDoc(out, action);
  if (!ddl.warnings.empty()) underlined(out, 0, "WARNINGS:", '=');
  for (const auto& warning : ddl.warnings) line(out, 3, warning);
  return out;
}

}  // namespace drover::ddl
