#pragma once
// Recursive descent over the grammar in filter.hpp:
//
//   expression := conjunction (or conjunction)*
//   conjunction := unary (and unary)*
//   unary       := not unary | primary
//   primary     := '(' expression ')' | call | comparison | NAME | /regex/
//   call        := (class | agent | identity) '(' (NAME | "string" | /regex/) ')'
//   comparison  := (NAME | fact '(' NAME ')') OP VALUE
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/filter/expression.hpp"
#include "core/filter/scanner.hpp"

namespace drover::filter {

/// What the client checks in a filter a person typed, on top of the grammar that nodes
/// share (filter.hpp, "What the client refuses").
struct ClientRules {
  FactCheck factCheck;  // may be empty
};

/// "identities cannot contain '=' ...": the client's message for a -I, -C or -A value
/// or a class(), agent() or identity() name holding '='.
std::string equalsInName(NameMatch::Target target, std::string_view name);

/// Parses one text; use a new Parser per text.
class Parser {
 public:
  /// The grammar alone, as a node parses.
  explicit Parser(std::string_view text);
  /// The grammar and the client's rules; `rules` must outlive the parser.
  Parser(std::string_view text, const ClientRules& rules);

  /// The whole text as an expression; null when it is blank. Throws SyntaxError.
  ExpressionPtr parseExpression();
  /// The whole text as exactly one fact comparison (the CLI's -F). Throws SyntaxError.
  ExpressionPtr parseComparison();

 private:
  enum class Keyword { None, And, Or, Not };

  /// A fact name as written: bare, or in fact(NAME), which the client's checks accept.
  struct FactName {
    std::string name;
    std::size_t at = 0;
    bool explicitForm = false;

    std::string shown() const { return explicitForm ? "fact(" + name + ")" : name; }
  };

  ExpressionPtr parseWholeExpression();
  ExpressionPtr parseWholeComparison();
  ExpressionPtr parseDisjunction();
  ExpressionPtr parseConjunction();
  ExpressionPtr parseUnary();
  ExpressionPtr parsePrimary();
  ExpressionPtr parseGroup();
  ExpressionPtr parseWord();
  ExpressionPtr parseCall(NameMatch::Target target, const std::string& word);
  FactName parseFactCall(const std::string& word, std::size_t start);
  ExpressionPtr parseFactComparison(const FactName& fact);
  std::string parseValue(std::string_view op);
  RegexPtr parseRegex();

  // The client's rules (client_checks.cpp; only with client_), and the hint for a
  // regex value missing its `=~`.
  void checkNotation(const FactName& fact, std::string_view op, const std::string& value,
                     std::size_t at);
  void checkFactName(const FactName& fact, std::string_view op, std::size_t valueAt);
  void hintRegexValue() const;
  bool wholeRegexAhead() const;  // a /regex/ starts here and the value ends with it
  [[noreturn]] void refuse(std::size_t at, const std::string& detail);

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
  const ClientRules* client_ = nullptr;    // null: a node's parse
  std::optional<std::size_t> slashValue_;  // first bare value cut short inside a /regex/
  bool refused_ = false;                   // a client rule, not the grammar, failed
};

}  // namespace drover::filter
