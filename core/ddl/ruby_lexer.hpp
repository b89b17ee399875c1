#pragma once
// Tokens of the Ruby subset MCollective's `.ddl` files are written in (DSL calls, literals,
// blocks, heredocs), for `drover ddl import`. The text is never run: what the subset does
// not cover becomes a token the parser reports, never a crash. The text is untrusted, so
// every token is bounded (kMaxTokenBytes) and the lexer never reads past its input.
//
// Covered: comments (`#`, `=begin`/`=end`, `__END__`); line continuation (`\` at the end of
// a line); identifiers, constants, `name:` labels, `@ivar`/`$gvar`; integers (decimal,
// 0x, 0o, 0b, leading-0 octal, `_` separators) and floats; 'single' and "double" quoted
// strings with Ruby's escapes; `:symbols` and `:"symbols"`; `/regex/flags`; `%w %W %i %I
// %q %Q %r %()` literals; heredocs (`<<ID`, `<<-ID`, `<<~ID`, quoted IDs); punctuation and
// operators. A double-quoted string with `#{...}` is kept as written and marked
// interpolated: its value is only known when Ruby runs.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace drover::ddl::ruby {

/// The longest token (a string, heredoc, regex or word) read; longer is a ParseError.
inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;

/// A syntax the subset does not cover, or a limit passed; `line` counts from 1.
class ParseError : public std::runtime_error {
 public:
  ParseError(int line, const std::string& what) : std::runtime_error(what), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

enum class TokenKind {
  End,         // end of input
  Newline,     // ends a statement
  Identifier,  // foo, foo?, and keywords (do, end, nil, true, false, if, ...)
  Constant,    // File, MCollective
  Variable,    // @ivar, @@cvar, $gvar
  Label,       // `name:` in a hash or an argument list; text is the name
  Integer,
  Float,
  String,       // text is the value (escapes applied); interpolated when it held #{...}
  Symbol,       // text is the name
  Regex,        // text is the source between the delimiters, flags the trailing letters
  Words,        // %w[...] and %i[...]: words holds the elements; symbols says which
  Punctuation,  // ( ) [ ] { } , . :: ; | =>
  Operator,     // + - * / % ** == != =~ !~ < > <= >= << >> && || ! ? : = & ^ ~ .. ...
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  std::vector<std::string> words;  // Words only
  std::string flags;               // Regex only
  std::int64_t integer = 0;        // Integer only
  double real = 0;                 // Float only
  bool interpolated = false;       // String and Regex: held #{...}, #@ or #$
  bool symbols = false;            // Words: %i (symbols) rather than %w (strings)
  bool spaceBefore = false;        // blank, comment or line start before it
  int line = 1;                    // where the token starts
  std::size_t begin = 0;           // byte offsets of the token in the text
  std::size_t end = 0;
};

/// Splits `text` into tokens, ending with one End token. Throws ParseError naming the
/// line of a character outside the subset, an unterminated literal, an escape or number
/// that does not convert, a string that is not UTF-8, or a token over kMaxTokenBytes.
std::vector<Token> tokenize(std::string_view text);

}  // namespace drover::ddl::ruby
