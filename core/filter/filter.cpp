#include "core/filter/filter.hpp"

#include <functional>

#include "core/filter/expression.hpp"
#include "core/filter/literal.hpp"
#include "core/filter/parser.hpp"
#include "core/filter/scanner.hpp"

namespace drover::filter {
namespace {

// Error messages quote at most this much of an expression, around the error.
constexpr std::size_t kShownContext = 80;

std::string excerpt(std::string_view text, std::size_t at) {
  if (text.size() <= kShownContext) return std::string(text);
  const std::size_t start = at > kShownContext / 2 ? at - kShownContext / 2 : 0;
  const auto shown = text.substr(start, kShownContext);
  return (start > 0 ? "..." : "") + std::string(shown) +
         (start + shown.size() < text.size() ? "..." : "");
}

// "filter 'x' at column 3: detail" or "-F 'x' at column 3: detail".
FilterError dress(std::string_view label, std::string_view text, const SyntaxError& error) {
  const auto at = error.position();
  return FilterError(std::string(label) + " '" + excerpt(text, at) + "' at column " +
                         std::to_string(at + 1) + ": " + error.what(),
                     at);
}

// Canonical text must parse again, so it obeys the same length limit as the input.
std::string canonicalText(const Expression& root, std::string_view label) {
  std::string text;
  root.print(text, Precedence::Or);
  if (text.size() > kMaxLength) {
    throw FilterError(std::string(label) + " is " + std::to_string(text.size()) +
                          " bytes long when written out; the limit is " +
                          std::to_string(kMaxLength),
                      0);
  }
  return text;
}

ExpressionPtr parseFlag(std::string_view flag, const std::string& value, const ClientRules& rules,
                        const std::function<ExpressionPtr(Parser&)>& parse) {
  try {
    Parser parser(value, rules);
    return parse(parser);
  } catch (const SyntaxError& error) {
    throw dress(flag, value, error);
  }
}

// -C, -A and -I values: "/regex/" or an exact name. No such name holds '=', so one
// that does is a key=value that went to the wrong place.
ExpressionPtr parseName(std::string_view flag, NameMatch::Target target, const std::string& value) {
  const auto quoted = std::string(flag) + " '" + value + "'";
  if (value.empty()) throw FilterError(quoted + ": expected a name or /regex/", 0);
  if (value.size() < 2 || value.front() != '/' || value.back() != '/') {
    if (const auto equals = value.find('='); equals != std::string::npos) {
      throw FilterError(
          quoted + " at column " + std::to_string(equals + 1) + ": " + equalsInName(target, value),
          equals);
    }
    return std::make_unique<NameMatch>(target, value);
  }
  std::string error;
  auto regex = compileRegex(std::string_view(value).substr(1, value.size() - 2), error);
  if (!regex) throw FilterError(quoted + " at column 2: invalid regex: " + error, 1);
  return std::make_unique<NameMatch>(target, std::move(regex));
}

void addNames(std::vector<ExpressionPtr>& out, std::string_view flag, NameMatch::Target target,
              const std::vector<std::string>& values) {
  for (const auto& value : values) out.push_back(parseName(flag, target, value));
}

}  // namespace

FilterError::FilterError(std::string message, std::size_t position)
    : std::runtime_error(std::move(message)), position_(position) {}

Filter::Filter() = default;

Filter::Filter(std::shared_ptr<const Expression> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

Filter Filter::parse(std::string_view expression) {
  ExpressionPtr root;
  try {
    root = Parser(expression).parseExpression();
  } catch (const SyntaxError& error) {
    throw dress("filter", expression, error);
  }
  if (!root) return Filter();
  auto text = canonicalText(*root, "filter");
  return Filter(std::move(root), std::move(text));
}

bool Filter::matches(const NodeView& node) const noexcept {
  return root_ == nullptr || root_->matches(node);
}

std::string combine(const std::vector<std::string>& facts, const std::vector<std::string>& classes,
                    const std::vector<std::string>& agents,
                    const std::vector<std::string>& identities,
                    const std::vector<std::string>& compound, const FactCheck& check) {
  const ClientRules rules{check};
  std::vector<ExpressionPtr> parts;
  for (const auto& fact : facts) {
    parts.push_back(parseFlag("-F", fact, rules, [](Parser& p) { return p.parseComparison(); }));
  }
  addNames(parts, "-C", NameMatch::Target::Class, classes);
  addNames(parts, "-A", NameMatch::Target::Agent, agents);
  // Several -I name a set of nodes (as in MCollective): any of them matches.
  std::vector<ExpressionPtr> anyIdentity;
  addNames(anyIdentity, "-I", NameMatch::Target::Identity, identities);
  if (anyIdentity.size() == 1) parts.push_back(std::move(anyIdentity.front()));
  if (anyIdentity.size() > 1) {
    parts.push_back(Junction::make(Junction::Kind::Any, std::move(anyIdentity)));
  }
  for (const auto& expression : compound) {
    auto part = parseFlag("-S", expression, rules, [](Parser& p) { return p.parseExpression(); });
    if (part) parts.push_back(std::move(part));  // a blank -S adds nothing
  }
  if (parts.empty()) return "";
  return canonicalText(*Junction::make(Junction::Kind::All, std::move(parts)), "combined filter");
}

}  // namespace drover::filter
