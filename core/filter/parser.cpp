#include "core/filter/parser.hpp"

#include <optional>

#include "core/filter/fact_comparison.hpp"
#include "core/filter/literal.hpp"

namespace drover::filter {
namespace {

constexpr std::string_view kOperatorList = "==, !=, <, >, <=, >= or =~";

std::optional<NameMatch::Target> callTarget(std::string_view word) {
  const auto lower = toLower(word);
  if (lower == "class") return NameMatch::Target::Class;
  if (lower == "agent") return NameMatch::Target::Agent;
  if (lower == "identity") return NameMatch::Target::Identity;
  return std::nullopt;
}

std::string column(std::size_t at) { return std::to_string(at + 1); }

// A value starting like an operator is almost always a typo such as `a = = b`.
bool startsLikeOperator(std::string_view value) { return value.find_first_of("=<>~") == 0; }

// The boolean keywords, which an expression can never read as a fact name.
bool isKeywordWord(std::string_view word) {
  const auto lower = toLower(word);
  return lower == "and" || lower == "or" || lower == "not";
}

bool isRegexLiteral(std::string_view value) {
  return value.size() >= 2 && value.front() == '/' && value.back() == '/';
}

bool isFactWord(std::string_view word) { return toLower(word) == "fact"; }

bool isOrdering(Operator op) {
  return op == Operator::Less || op == Operator::Greater || op == Operator::LessEqual ||
         op == Operator::GreaterEqual;
}

std::string regexNeedsMatch(std::string_view literal) {
  return "the regex '" + std::string(literal) +
         "' needs the '=~' operator (or '=', as MCollective writes it); quote it to compare text";
}

}  // namespace

Parser::Parser(std::string_view text) : text_(text), scan_(text) {}

Parser::Parser(std::string_view text, const ClientRules& rules)
    : text_(text), scan_(text), client_(&rules) {}

ExpressionPtr Parser::parseExpression() {
  try {
    return parseWholeExpression();
  } catch (const SyntaxError&) {
    hintRegexValue();
    throw;
  }
}

ExpressionPtr Parser::parseComparison() {
  try {
    return parseWholeComparison();
  } catch (const SyntaxError&) {
    hintRegexValue();
    throw;
  }
}

ExpressionPtr Parser::parseWholeExpression() {
  checkLength();
  scan_.skipSpace();
  if (scan_.atEnd()) return nullptr;
  auto expression = parseDisjunction();
  scan_.skipSpace();
  if (scan_.peek() == ')') fail(scan_.position(), "unexpected ')' with no matching '('");
  if (!scan_.atEnd()) failTrailing("the end of the filter");
  return expression;
}

ExpressionPtr Parser::parseWholeComparison() {
  checkLength();
  scan_.skipSpace();
  const auto start = scan_.position();
  const auto word = std::string(scan_.readName());
  if (word.empty()) {
    fail(scan_.position(), "expected a fact name but found " + scan_.describeNext());
  }
  // The comparison must read back from the canonical text, where this word is a keyword.
  if (isKeywordWord(word)) fail(start, "'" + word + "' is a keyword, not a fact name");
  scan_.skipSpace();
  const bool call = isFactWord(word) && scan_.peek() == '(';
  auto comparison =
      parseFactComparison(call ? parseFactCall(word, start) : FactName{word, start, false});
  scan_.skipSpace();
  const auto keyword = peekKeyword().first;
  if (keyword == Keyword::And || keyword == Keyword::Or) {
    fail(scan_.position(), "found " + scan_.describeNext() +
                               ", but -F takes one fact comparison; give several -F or use -S");
  }
  if (!scan_.atEnd()) fail(scan_.position(), "unexpected " + scan_.describeNext());
  return comparison;
}

ExpressionPtr Parser::parseDisjunction() {
  std::vector<ExpressionPtr> operands;
  operands.push_back(parseConjunction());
  while (consumeKeyword(Keyword::Or)) operands.push_back(parseConjunction());
  return Junction::make(Junction::Kind::Any, std::move(operands));
}

ExpressionPtr Parser::parseConjunction() {
  std::vector<ExpressionPtr> operands;
  operands.push_back(parseUnary());
  while (consumeKeyword(Keyword::And)) operands.push_back(parseUnary());
  return Junction::make(Junction::Kind::All, std::move(operands));
}

ExpressionPtr Parser::parseUnary() {
  scan_.skipSpace();
  const auto at = scan_.position();
  if (!consumeKeyword(Keyword::Not)) return parsePrimary();
  enter(at);
  auto operand = parseUnary();
  --depth_;
  return std::make_unique<Negation>(std::move(operand));
}

ExpressionPtr Parser::parsePrimary() {
  scan_.skipSpace();
  const auto keyword = peekKeyword().first;
  const char next = scan_.peek();
  if (scan_.atEnd() || keyword == Keyword::And || keyword == Keyword::Or) failMissingOperand();
  if (next == '(') return parseGroup();
  if (next == '/') return std::make_unique<NameMatch>(NameMatch::Target::Class, parseRegex());
  if (isNameChar(next)) return parseWord();
  failMissingOperand();
}

ExpressionPtr Parser::parseGroup() {
  const auto open = scan_.position();
  enter(open);
  scan_.take(1);
  scan_.skipSpace();
  if (scan_.peek() == ')') fail(open, "empty parentheses '()'");
  after_ = "(";
  auto inner = parseDisjunction();
  scan_.skipSpace();
  if (scan_.atEnd()) {
    fail(scan_.position(), "missing ')' to close the '(' at column " + column(open));
  }
  if (!scan_.consume(")")) failTrailing("')'");
  --depth_;
  return inner;
}

// A word starts a call, a fact comparison or, alone, a class name.
ExpressionPtr Parser::parseWord() {
  const auto start = scan_.position();
  const auto word = std::string(scan_.readName());
  const bool touchesParen = scan_.peek() == '(';
  scan_.skipSpace();
  const auto target = callTarget(word);
  if (target && scan_.peek() == '(') return parseCall(*target, word);
  if (isFactWord(word) && scan_.peek() == '(') {
    return parseFactComparison(parseFactCall(word, start));
  }
  if (scan_.atOperator() && peekKeyword().first != Keyword::Not) {
    return parseFactComparison({word, start, false});
  }
  if (touchesParen) {
    fail(start,
         "unknown function '" + word + "()'; expected class(), agent(), identity() or fact()");
  }
  return std::make_unique<NameMatch>(NameMatch::Target::Class, word);
}

ExpressionPtr Parser::parseCall(NameMatch::Target target, const std::string& word) {
  const auto open = scan_.position();
  scan_.take(1);
  scan_.skipSpace();
  const auto at = scan_.position();
  if (scan_.peek() == ')') {
    fail(open, "empty parentheses in '" + word + "()': expected a name or /regex/");
  }
  ExpressionPtr match;
  if (scan_.peek() == '/') {
    match = std::make_unique<NameMatch>(target, parseRegex());
  } else {
    auto name = isQuote(scan_.peek()) ? scan_.readQuoted() : std::string(scan_.readBare());
    if (name.empty()) {
      fail(at, "expected a name or /regex/ in '" + word + "()'");
    }
    if (client_ && name.find('=') != std::string::npos) refuse(at, equalsInName(target, name));
    match = std::make_unique<NameMatch>(target, std::move(name));
  }
  scan_.skipSpace();
  if (scan_.consume(")")) return match;
  if (scan_.atEnd()) {
    fail(scan_.position(), "missing ')' to close '" + word + "(' at column " + column(open));
  }
  fail(scan_.position(), "expected ')' to close '" + word + "(' but found " + scan_.describeNext());
}

// fact(NAME): the explicit spelling of a fact name, which the client's checks accept.
Parser::FactName Parser::parseFactCall(const std::string& word, std::size_t start) {
  const auto open = scan_.position();
  scan_.take(1);
  scan_.skipSpace();
  const auto at = scan_.position();
  const auto name = std::string(scan_.readName());
  if (name.empty()) {
    fail(at, "expected a fact name in '" + word + "()' but found " + scan_.describeNext());
  }
  if (isKeywordWord(name)) fail(at, "'" + name + "' is a keyword, not a fact name");
  scan_.skipSpace();
  if (scan_.atEnd()) {
    fail(scan_.position(), "missing ')' to close '" + word + "(' at column " + column(open));
  }
  if (!scan_.consume(")")) {
    fail(scan_.position(),
         "expected ')' to close '" + word + "(' but found " + scan_.describeNext());
  }
  scan_.skipSpace();
  return {name, start, true};
}

ExpressionPtr Parser::parseFactComparison(const FactName& fact) {
  const auto at = scan_.position();
  const auto token = std::string(scan_.readOperator());
  const auto shown = fact.shown();
  if (token.empty()) {
    fail(at, "expected an operator (" + std::string(kOperatorList) + ") after '" + shown + "'");
  }
  const auto op = parseOperator(token);
  if (!op) fail(at, "unknown operator '" + token + "'; use " + std::string(kOperatorList));
  scan_.skipSpace();
  if (scan_.atBareEnd()) fail(scan_.position(), "expected a value after '" + token + "'");
  const auto valueAt = scan_.position();
  const bool quoted = isQuote(scan_.peek());
  // MCollective's regex spelling, fact=/re/ (one '=', the whole value a /regex/), means
  // what fact=~/re/ does; path=/etc/hosts stays a text comparison.
  const bool mcollectiveRegex = token == "=" && wholeRegexAhead();
  RegexPtr regex = *op == Operator::Match || mcollectiveRegex ? parseRegex() : nullptr;
  auto value = regex ? std::string() : parseValue(token);
  if (client_) {
    checkFactName(fact, token, valueAt);
    if (isOrdering(*op) && !quoted) checkNotation(fact, token, value, valueAt);
  }
  if (regex) return std::make_unique<FactComparison>(fact.name, std::move(regex));
  return std::make_unique<FactComparison>(fact.name, *op, std::move(value));
}

std::string Parser::parseValue(std::string_view op) {
  const auto at = scan_.position();
  if (isQuote(scan_.peek())) return scan_.readQuoted();
  const auto value = scan_.readBare();
  if (isRegexLiteral(value)) fail(at, regexNeedsMatch(value));
  if (value.starts_with('/') && !slashValue_) slashValue_ = at;
  if (startsLikeOperator(value)) {
    fail(at, "unexpected '" + std::string(1, value.front()) +
                 "' at the start of the value after '" + std::string(op) +
                 "'; quote the value if it is meant");
  }
  return std::string(value);
}

bool Parser::wholeRegexAhead() const {
  if (scan_.peek() != '/') return false;
  Scanner probe(text_.substr(scan_.position()));
  try {
    probe.readRegex();
  } catch (const SyntaxError&) {
    return false;
  }
  return probe.atBareEnd();
}

// A regex written /like this/, "quoted" or bare.
RegexPtr Parser::parseRegex() {
  const auto at = scan_.position();
  std::string pattern;
  if (scan_.peek() == '/') {
    pattern = scan_.readRegex();
  } else {
    pattern = isQuote(scan_.peek()) ? scan_.readQuoted() : std::string(scan_.readBare());
  }
  std::string error;
  auto regex = compileRegex(pattern, error);
  if (!regex) fail(at, "invalid regex " + regexLiteral(pattern) + ": " + error);
  return regex;
}

// MCollective writes a regex fact filter fact=/re/. A bare value ends at a space, ')',
// '&&' or '||', so such a pattern is cut short and the error lands on what follows; when
// a whole /regex/ starts where the value did, say that instead.
void Parser::hintRegexValue() const {
  if (!slashValue_ || refused_) return;
  Scanner probe(text_.substr(*slashValue_));
  try {
    probe.readRegex();
  } catch (const SyntaxError&) {
    return;
  }
  if (probe.atBareEnd())
    fail(*slashValue_, regexNeedsMatch(text_.substr(*slashValue_, probe.position())));
}

std::pair<Parser::Keyword, std::size_t> Parser::peekKeyword() const {
  if (scan_.startsWith("&&")) return {Keyword::And, 2};
  if (scan_.startsWith("||")) return {Keyword::Or, 2};
  // `!` is `not` unless it starts an operator such as `!=`.
  if (scan_.peek() == '!' && scan_.peek(1) != '=' && scan_.peek(1) != '~') {
    return {Keyword::Not, 1};
  }
  const auto word = scan_.peekName();
  const auto lower = toLower(word);
  if (lower == "and") return {Keyword::And, word.size()};
  if (lower == "or") return {Keyword::Or, word.size()};
  if (lower == "not") return {Keyword::Not, word.size()};
  return {Keyword::None, 0};
}

bool Parser::consumeKeyword(Keyword keyword) {
  scan_.skipSpace();
  const auto [found, length] = peekKeyword();
  if (found != keyword) return false;
  after_ = std::string(scan_.take(length));
  return true;
}

// Nesting is bounded because expressions arrive from the network and the parser,
// matcher and destructor all recurse.
void Parser::enter(std::size_t at) {
  if (++depth_ > kMaxDepth) {
    fail(at,
         "nested deeper than " + std::to_string(kMaxDepth) + " levels of parentheses and 'not'");
  }
}

void Parser::checkLength() const {
  if (text_.size() > kMaxLength) {
    fail(kMaxLength, "longer than " + std::to_string(kMaxLength) + " bytes (" +
                         std::to_string(text_.size()) + ")");
  }
}

void Parser::failMissingOperand() const {
  std::string detail = after_.empty()
                           ? "expected a fact comparison, class, agent(), identity(), 'not' or '('"
                           : "expected an expression after '" + after_ + "'";
  if (!scan_.atEnd()) detail += " but found " + scan_.describeNext();
  fail(scan_.position(), detail);
}

void Parser::failTrailing(const std::string& expected) const {
  fail(scan_.position(),
       "unexpected " + scan_.describeNext() + "; expected 'and', 'or' or " + expected);
}

void Parser::fail(std::size_t at, const std::string& detail) const {
  throw SyntaxError(detail, at);
}

}  // namespace drover::filter
