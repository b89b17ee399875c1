#include "core/filter/fact_comparison.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <compare>
#include <cstdint>

#include "core/filter/notation.hpp"

namespace drover::filter {
namespace {

// MCollective also writes >= as => and <= as =<: accepted, printed the usual way.
constexpr std::array<std::pair<std::string_view, Operator>, 10> kOperators{{
    {"==", Operator::Equal},
    {"=", Operator::Equal},
    {"!=", Operator::NotEqual},
    {"<", Operator::Less},
    {">", Operator::Greater},
    {"<=", Operator::LessEqual},
    {">=", Operator::GreaterEqual},
    {"=~", Operator::Match},
    {"=>", Operator::GreaterEqual},
    {"=<", Operator::LessEqual},
}};

std::string_view operatorText(Operator op) {
  for (const auto& [text, candidate] : kOperators) {
    if (candidate == op) return text;  // the first spelling is the canonical one
  }
  return "==";
}

// Doubles that hold a whole number print as integers ("2", not "2.0") up to the range
// where every integer is still exact.
bool isWholeNumber(double value) {
  return std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 1e15;
}

// The text form of a scalar fact, built without allocating: comparisons run on every
// node for every request.
class FactText {
 public:
  explicit FactText(const Json& value) noexcept {
    if (value.is_string()) {
      view_ = value.get_ref<const std::string&>();
    } else if (value.is_boolean()) {
      view_ = value.get<bool>() ? "true" : "false";
    } else if (value.is_number()) {
      printNumber(value);
    } else {
      valid_ = false;  // null, object or array
    }
  }
  FactText(const FactText&) = delete;
  FactText& operator=(const FactText&) = delete;

  bool valid() const { return valid_; }
  std::string_view view() const { return view_; }

 private:
  void printNumber(const Json& value) noexcept {
    char* first = buffer_.data();
    char* last = first + buffer_.size();
    std::to_chars_result result{};
    if (value.is_number_unsigned()) {
      result = std::to_chars(first, last, value.get<std::uint64_t>());
    } else if (value.is_number_integer()) {
      result = std::to_chars(first, last, value.get<std::int64_t>());
    } else if (const double real = value.get<double>(); isWholeNumber(real)) {
      result = std::to_chars(first, last, static_cast<std::int64_t>(real));
    } else {
      result = std::to_chars(first, last, real);  // shortest text that reads back exactly
    }
    view_ = std::string_view(first, static_cast<std::size_t>(result.ptr - first));
  }

  std::array<char, 32> buffer_{};
  std::string_view view_;
  bool valid_ = true;
};

// Exact for integers on both sides, in doubles otherwise.
std::partial_ordering compareNumbers(const Json& fact, const Number& value) {
  if (value.isInteger && fact.is_number_unsigned()) {
    if (value.integer < 0) return std::partial_ordering::greater;
    return fact.get<std::uint64_t>() <=> static_cast<std::uint64_t>(value.integer);
  }
  if (value.isInteger && fact.is_number_integer()) {
    return fact.get<std::int64_t>() <=> value.integer;
  }
  return fact.get<double>() <=> value.real;
}

bool isScalar(const Json& value) {
  return value.is_string() || value.is_number() || value.is_boolean();
}

std::optional<bool> parseBoolean(std::string_view text) {
  const auto lower = toLower(text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

std::vector<std::string> splitPath(const std::string& name) {
  std::vector<std::string> parts;
  if (name.find('.') == std::string::npos) return parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1) {
    parts.push_back(name.substr(start, dot - start));
  }
  parts.push_back(name.substr(start));
  return parts;
}

}  // namespace

std::optional<Operator> parseOperator(std::string_view token) {
  for (const auto& [text, op] : kOperators) {
    if (text == token) return op;
  }
  return std::nullopt;
}

FactComparison::FactComparison(std::string name, Operator op, std::string value)
    : name_(std::move(name)),
      path_(splitPath(name_)),
      op_(op),
      value_(std::move(value)),
      number_(parseNumber(value_)),
      boolean_(parseBoolean(value_)) {}

FactComparison::FactComparison(std::string name, RegexPtr regex)
    : name_(std::move(name)),
      path_(splitPath(name_)),
      op_(Operator::Match),
      value_(regex->pattern()),
      regex_(std::move(regex)) {}

bool FactComparison::matches(const NodeView& node) const noexcept {
  const Json* fact = lookup(node.facts);
  return fact != nullptr && test(*fact);
}

void FactComparison::print(std::string& out, Precedence /*parent*/) const {
  out += name_;
  out += ' ';
  out += operatorText(op_);
  out += ' ';
  if (regex_) {
    out += regexLiteral(value_);
  } else if (orderedAsText()) {
    out += doubleQuoted(value_);  // the client refuses it bare, so the text says text is meant
  } else {
    out += quoteValue(value_);
  }
}

bool FactComparison::orderedAsText() const {
  const bool ordering = op_ == Operator::Less || op_ == Operator::Greater ||
                        op_ == Operator::LessEqual || op_ == Operator::GreaterEqual;
  return ordering && plainDecimalFor(value_).has_value();
}

const Json* FactComparison::lookup(const Json& facts) const noexcept {
  if (!facts.is_object()) return nullptr;
  if (const auto found = facts.find(name_); found != facts.end()) return &*found;
  if (path_.empty()) return nullptr;
  const Json* current = &facts;
  for (const auto& part : path_) {
    if (!current->is_object()) return nullptr;
    const auto found = current->find(part);
    if (found == current->end()) return nullptr;
    current = &*found;
  }
  return current;
}

bool FactComparison::test(const Json& fact) const noexcept {
  const auto any = [&fact](auto predicate) {
    if (!fact.is_array()) return predicate(fact);
    return std::any_of(fact.begin(), fact.end(), predicate);
  };
  switch (op_) {
    case Operator::Equal: return any([this](const Json& v) { return equals(v); });
    case Operator::NotEqual:
      if (!fact.is_array() && !isScalar(fact)) return false;
      return !any([this](const Json& v) { return equals(v); });
    case Operator::Match: return any([this](const Json& v) { return matchesRegex(v); });
    default: return !fact.is_array() && orders(fact);
  }
}

bool FactComparison::equals(const Json& scalar) const noexcept {
  if (scalar.is_number() && number_) return compareNumbers(scalar, *number_) == 0;
  if (scalar.is_boolean()) return boolean_ == scalar.get<bool>();
  const FactText text(scalar);
  return text.valid() && text.view() == value_;
}

bool FactComparison::orders(const Json& scalar) const noexcept {
  std::partial_ordering order = std::partial_ordering::unordered;
  if (scalar.is_number() && number_) {
    order = compareNumbers(scalar, *number_);
  } else if (const FactText text(scalar); text.valid()) {
    order = text.view() <=> std::string_view(value_);
  }
  switch (op_) {
    case Operator::Less: return order < 0;
    case Operator::Greater: return order > 0;
    case Operator::LessEqual: return order <= 0;
    case Operator::GreaterEqual: return order >= 0;
    default: return false;
  }
}

bool FactComparison::matchesRegex(const Json& scalar) const noexcept {
  const FactText text(scalar);
  return text.valid() && RE2::PartialMatch(text.view(), *regex_);
}

}  // namespace drover::filter
