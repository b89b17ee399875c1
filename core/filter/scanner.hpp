#pragma once
// Character-level reading of filter text. Which kind of token comes next depends on
// the grammar (after an operator everything up to a space is a value), so the parser
// asks for each token by kind instead of reading a fixed token stream.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drover::filter {

/// A syntax error with its offset, before it is dressed with the expression or CLI
/// flag it came from.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(const std::string& detail, std::size_t position)
      : std::runtime_error(detail), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t position() const { return pos_; }
  bool atEnd() const { return pos_ >= text_.size(); }
  /// The character `ahead` places on, or '\0' past the end.
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool startsWith(std::string_view token) const;

  void skipSpace();
  /// Consumes `length` characters and returns them.
  std::string_view take(std::size_t length);
  /// Consumes `token` when it comes next.
  bool consume(std::string_view token);

  /// A run of name characters (possibly empty); peekName() does not consume it.
  std::string_view readName();
  std::string_view peekName() const;
  /// Whether an operator character `= ! < > ~` comes next.
  bool atOperator() const;
  /// A run of operator characters (possibly empty).
  std::string_view readOperator();
  /// A bare word: up to a space, `)`, `&&`, `||` or the end (possibly empty).
  std::string_view readBare();
  /// Whether a bare word would end here.
  bool atBareEnd() const;
  /// A string in ' or " quotes, escapes resolved. Throws SyntaxError if unterminated.
  std::string readQuoted();
  /// A `/regex/`, returning the pattern. Throws SyntaxError if unterminated.
  std::string readRegex();

  /// The next token quoted for an error message, or "the end of the filter".
  std::string describeNext() const;

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool isQuote(char c);
bool isSpace(char c);

}  // namespace drover::filter
