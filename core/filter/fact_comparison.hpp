#pragma once
// `NAME OP VALUE`: the typing rules documented in filter.hpp live here.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/filter/expression.hpp"
#include "core/filter/literal.hpp"

namespace drover::filter {

enum class Operator { Equal, NotEqual, Less, Greater, LessEqual, GreaterEqual, Match };

/// The operator a token spells (`=` is `==`), or none.
std::optional<Operator> parseOperator(std::string_view token);

class FactComparison : public Expression {
 public:
  /// A comparison of any operator but Match.
  FactComparison(std::string name, Operator op, std::string value);
  /// A regex match (`=~`).
  FactComparison(std::string name, RegexPtr regex);

  bool matches(const NodeView& node) const noexcept override;
  void print(std::string& out, Precedence parent) const override;

 private:
  /// An ordering comparison with a number-like value that the language reads as text.
  bool orderedAsText() const;
  const Json* lookup(const Json& facts) const noexcept;
  bool test(const Json& fact) const noexcept;
  bool equals(const Json& scalar) const noexcept;
  bool orders(const Json& scalar) const noexcept;
  bool matchesRegex(const Json& scalar) const noexcept;

  std::string name_;
  std::vector<std::string> path_;  // name_ split at dots, when it has any
  Operator op_;
  std::string value_;
  std::optional<Number> number_;  // value_ read as a number
  std::optional<bool> boolean_;   // value_ read as true/false
  RegexPtr regex_;                // for Match only
};

}  // namespace drover::filter
