#pragma once
// Recursive descent over the grammar in filter.hpp:
//
//   expression := conjunction (or conjunction)*
//   conjunction := unary (and unary)*
//   unary       := not unary | primary
//   primary     := '(' expression ')' | call | comparison | NAME | /regex/
//   call        := (class | agent | identity) '(' (NAME | "string" | /regex/) ')'
//   comparison  := NAME OP VALUE
#include <string>
#include <string_view>
#include <utility>

#include "core/filter/expression.hpp"
#include "core/filter/scanner.hpp"

namespace drover::filter {

/// Parses one text; use a new Parser per text.
class Parser {
 public:
  explicit Parser(std::string_view text);

  /// The whole text as an expression; null when it is blank. Throws SyntaxError.
  ExpressionPtr parseExpression();
  /// The whole text as exactly one fact comparison (the CLI's -F). Throws SyntaxError.
  ExpressionPtr parseComparison();

 private:
  enum class Keyword { None, And, Or, Not };

  ExpressionPtr parseDisjunction();
  ExpressionPtr parseConjunction();
  ExpressionPtr parseUnary();
  ExpressionPtr parsePrimary();
  ExpressionPtr parseGroup();
  ExpressionPtr parseWord();
  ExpressionPtr parseCall(NameMatch::Target target, const std::string& word);
  ExpressionPtr parseFactComparison(const std::string& name);
  std::string parseValue(std::string_view op);
  RegexPtr parseRegex();

  std::pair<Keyword, std::size_t> peekKeyword() const;
  bool consumeKeyword(Keyword keyword);
  void enter(std::size_t at);
  void checkLength() const;
  [[noreturn]] void failMissingOperand() const;
  [[noreturn]] void failTrailing(const std::string& expected) const;
  [[noreturn]] void fail(std::size_t at, const std::string& detail) const;

  std::string_view text_;
  Scanner scan_;
  std::string after_;  // the operator or '(' just read, for "expected ... after 'and'"
  int depth_ = 0;
};

}  // namespace drover::filter
