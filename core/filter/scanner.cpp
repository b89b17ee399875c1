#include "core/filter/scanner.hpp"

#include <algorithm>

#include "core/filter/literal.hpp"

namespace drover::filter {
namespace {

// Longest token quoted back in an error message.
constexpr std::size_t kMaxShownToken = 24;

bool isOperatorChar(char c) { return c == '=' || c == '!' || c == '<' || c == '>' || c == '~'; }

bool isParen(char c) { return c == '(' || c == ')'; }

}  // namespace

bool isQuote(char c) { return c == '"' || c == '\''; }

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool Scanner::startsWith(std::string_view token) const {
  return text_.substr(pos_).starts_with(token);
}

void Scanner::skipSpace() {
  while (!atEnd() && isSpace(text_[pos_])) ++pos_;
}

std::string_view Scanner::take(std::size_t length) {
  const auto taken = text_.substr(pos_, length);
  pos_ += taken.size();
  return taken;
}

bool Scanner::consume(std::string_view token) {
  if (!startsWith(token)) return false;
  pos_ += token.size();
  return true;
}

std::string_view Scanner::readName() { return take(peekName().size()); }

std::string_view Scanner::peekName() const {
  std::size_t end = pos_;
  while (end < text_.size() && isNameChar(text_[end])) ++end;
  return text_.substr(pos_, end - pos_);
}

bool Scanner::atOperator() const { return isOperatorChar(peek()); }

std::string_view Scanner::readOperator() {
  std::size_t end = pos_;
  while (end < text_.size() && isOperatorChar(text_[end])) ++end;
  return take(end - pos_);
}

std::string_view Scanner::readBare() {
  const auto start = pos_;
  while (!atBareEnd()) ++pos_;
  return text_.substr(start, pos_ - start);
}

bool Scanner::atBareEnd() const {
  return atEnd() || isSpace(peek()) || peek() == ')' || startsWith("&&") || startsWith("||");
}

std::string Scanner::readQuoted() {
  const auto start = pos_;
  const char quote = text_[pos_++];
  std::string out;
  while (!atEnd()) {
    const char c = text_[pos_++];
    if (c == quote) return out;
    // Only quotes and backslashes are escaped, so "\d+" keeps its regex meaning.
    if (c == '\\' && !atEnd()) {
      const char next = text_[pos_++];
      if (!isQuote(next) && next != '\\') out += '\\';
      out += next;
    } else {
      out += c;
    }
  }
  throw SyntaxError(std::string("unterminated string: no closing ") + quote, start);
}

std::string Scanner::readRegex() {
  const auto start = pos_++;
  std::string out;
  while (!atEnd()) {
    const char c = text_[pos_++];
    if (c == '/') return out;
    if (c == '\\' && !atEnd()) {
      const char next = text_[pos_++];
      if (next != '/') out += '\\';  // other escapes belong to the regex
      out += next;
    } else {
      out += c;
    }
  }
  throw SyntaxError("unterminated regex: no closing '/'", start);
}

std::string Scanner::describeNext() const {
  if (atEnd()) return "the end of the filter";
  std::size_t end = pos_ + 1;
  if (!isParen(text_[pos_])) {
    while (end < text_.size() && !isSpace(text_[end]) && !isParen(text_[end])) ++end;
  }
  auto token = std::string(text_.substr(pos_, std::min(end - pos_, kMaxShownToken)));
  if (end - pos_ > kMaxShownToken) token += "...";
  return "'" + token + "'";
}

}  // namespace drover::filter
