#include "core/ddl/ruby_lexer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace drover::ddl::ruby {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || isUpper(c) || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

int hexValue(char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("character '") + c + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02X", static_cast<unsigned char>(c));
  return buffer;
}

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool isUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::array<std::uint32_t, 5> kMin{0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

char closerOf(char open) {
  switch (open) {
    case '(': return ')';
    case '[': return ']';
    case '{': return '}';
    case '<': return '>';
    default: return open;
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    for (;;) {
      skipBlanks();
      if (pos_ >= text_.size()) break;
      if (text_[pos_] == '\n') {
        newline();
        continue;
      }
      Token token;
      token.line = line_;
      token.begin = pos_;
      token.spaceBefore = space_;
      lexToken(token);
      token.end = pos_;
      if (token.end - token.begin > kMaxTokenBytes) {
        throw ParseError(token.line,
                         "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
      }
      space_ = false;
      tokens_.push_back(std::move(token));
    }
    if (heredocResume_ != std::string_view::npos) pos_ = heredocResume_, line_ = heredocLine_;
    Token end;
    end.line = line_;
    end.begin = end.end = text_.size();
    tokens_.push_back(end);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ParseError(line_, what); }

  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool atLineStart() const { return pos_ == 0 || text_[pos_ - 1] == '\n'; }
  bool startsWith(std::string_view word) const { return text_.substr(pos_).starts_with(word); }

  void skipBlanks() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (atLineStart() && startsWith("=begin") && !isIdentChar(peek(6))) {
        skipBlockComment();
      } else if (atLineStart() && startsWith("__END__") &&
                 (peek(7) == '\n' || peek(7) == '\r' || peek(7) == '\0')) {
        pos_ = text_.size();  // what follows __END__ is data, not code
      } else if (isBlank(c)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
        if (heredocResume_ != std::string_view::npos) fail("line continuation after a heredoc");
        pos_ += peek(1) == '\n' ? 2 : 3;
        ++line_;
      } else {
        return;
      }
      space_ = true;
    }
  }

  void skipBlockComment() {
    int startLine = line_;
    while (pos_ < text_.size()) {
      std::size_t eol = text_.find('\n', pos_);
      bool isEnd = startsWith("=end") && !isIdentChar(peek(4));
      if (eol == std::string_view::npos) {
        pos_ = text_.size();
        if (isEnd) return;
        break;
      }
      pos_ = eol + 1;
      ++line_;
      if (isEnd) return;
    }
    throw ParseError(startLine, "=begin without =end");
  }

  void newline() {
    ++pos_;
    ++line_;
    if (heredocResume_ != std::string_view::npos) {
      pos_ = heredocResume_;
      line_ = heredocLine_;
      heredocResume_ = std::string_view::npos;
    }
    space_ = true;
    if (!tokens_.empty() && tokens_.back().kind != TokenKind::Newline) {
      Token token;
      token.kind = TokenKind::Newline;
      token.line = line_ - 1;
      token.begin = token.end = pos_ - 1;
      tokens_.push_back(token);
    }
  }

  // A value may start here (rather than an operator): decides what '/', '%' and '<<' are.
  bool valueExpected() const {
    if (tokens_.empty()) return true;
    const Token& prev = tokens_.back();
    switch (prev.kind) {
      case TokenKind::Newline:
      case TokenKind::Operator:
      case TokenKind::Label: return true;
      case TokenKind::Punctuation: return prev.text != ")" && prev.text != "]" && prev.text != "}";
      case TokenKind::Identifier: {
        static constexpr std::array<std::string_view, 14> kKeywords{
            "do",   "and",  "or",    "not",   "if",    "unless", "when",
            "then", "else", "elsif", "while", "until", "return", "in"};
        for (auto keyword : kKeywords)
          if (prev.text == keyword) return true;
        // A command argument: `usage <<-EOS`, `validation /x/`, but `a / b` divides.
        return space_ && peek(1) != ' ' && peek(1) != '=';
      }
      default: return false;
    }
  }

  void lexToken(Token& token) {
    char c = text_[pos_];
    if (isDigit(c)) return lexNumber(token);
    if (isIdentStart(c)) return lexIdentifier(token);
    switch (c) {
      case '@':
      case '$': return lexVariable(token);
      case '"': ++pos_; return lexString(token, '"', '"', true);
      case '\'': ++pos_; return lexString(token, '\'', '\'', false);
      case '`': fail("backtick commands cannot be converted");
      case ':': return lexColon(token);
      case '/':
        if (valueExpected()) {
          ++pos_;
          return lexRegex(token, '/', '/');
        }
        break;
      case '%':
        if (valueExpected() && lexPercent(token)) return;
        break;
      case '<':
        if (peek(1) == '<' && valueExpected() && lexHeredoc(token)) return;
        break;
      default: break;
    }
    lexPunctuation(token);
  }

  void lexPunctuation(Token& token) {
    static constexpr std::array<std::string_view, 21> kLong{
        "<=>", "===", "...", "**", "==", "!=", "=~", "!~", "<=", ">=", "<<",
        ">>",  "&&",  "||",  "..", "->", "+=", "-=", "*=", "/=", "=>"};
    for (auto op : kLong) {
      if (startsWith(op)) {
        pos_ += op.size();
        token.kind = op == "=>" ? TokenKind::Punctuation : TokenKind::Operator;
        token.text = op;
        return;
      }
    }
    char c = text_[pos_];
    std::string_view punctuation = "()[]{},;.|";
    std::string_view operators = "+-*/%<>!=&^~?";
    if (punctuation.find(c) == std::string_view::npos &&
        operators.find(c) == std::string_view::npos) {
      fail("unexpected " + describe(c));
    }
    ++pos_;
    token.kind = punctuation.find(c) != std::string_view::npos ? TokenKind::Punctuation
                                                               : TokenKind::Operator;
    token.text = std::string(1, c);
  }

  void lexIdentifier(Token& token) {
    std::size_t start = pos_;
    while (isIdentChar(peek())) ++pos_;
    if ((peek() == '?' || peek() == '!') && peek(1) != '=') ++pos_;
    token.text = std::string(text_.substr(start, pos_ - start));
    if (peek() == ':' && peek(1) != ':') {
      ++pos_;
      token.kind = TokenKind::Label;
      return;
    }
    token.kind = isUpper(text_[start]) ? TokenKind::Constant : TokenKind::Identifier;
  }

  void lexVariable(Token& token) {
    std::size_t start = pos_;
    pos_ += text_[pos_] == '@' && peek(1) == '@' ? 2 : 1;
    std::size_t nameStart = pos_;
    while (isIdentChar(peek())) ++pos_;
    if (pos_ == nameStart) fail("unexpected " + describe(text_[start]));
    token.kind = TokenKind::Variable;
    token.text = std::string(text_.substr(start, pos_ - start));
  }

  void lexColon(Token& token) {
    char next = peek(1);
    if (next == ':') {
      pos_ += 2;
      token.kind = TokenKind::Punctuation;
      token.text = "::";
    } else if (next == '"' || next == '\'') {
      pos_ += 2;
      lexString(token, next, next, next == '"');
      if (token.interpolated) fail("an interpolated symbol cannot be converted");
      token.kind = TokenKind::Symbol;
    } else if (isIdentStart(next)) {
      ++pos_;
      std::size_t start = pos_;
      while (isIdentChar(peek())) ++pos_;
      if ((peek() == '?' || peek() == '!') && peek(1) != '=') ++pos_;
      token.kind = TokenKind::Symbol;
      token.text = std::string(text_.substr(start, pos_ - start));
    } else {
      ++pos_;
      token.kind = TokenKind::Operator;
      token.text = ":";
    }
  }

  // The raw text up to the closing delimiter, which is consumed; bracket delimiters nest.
  // Backslash escapes are kept for the caller to apply. `interpolating` also skips #{...}.
  std::string readDelimited(char open, char close, bool interpolating, bool& interpolated) {
    int startLine = line_;
    std::string raw;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ < text_.size()) {
        raw += c;
        c = text_[pos_++];
        if (c == '\n') ++line_;
      } else if (interpolating && c == '#' && (peek() == '{' || peek() == '@' || peek() == '$')) {
        interpolated = true;
      } else if (c == close && depth == 0) {
        return raw;
      } else if (open != close && c == open) {
        ++depth;
      } else if (open != close && c == close) {
        --depth;
      }
      raw += c;
      if (raw.size() > kMaxTokenBytes) {
        throw ParseError(startLine,
                         "literal longer than " + std::to_string(kMaxTokenBytes) + " bytes");
      }
    }
    throw ParseError(startLine, std::string("unterminated literal (no closing ") + close + ")");
  }

  void lexString(Token& token, char open, char close, bool doubleQuoted) {
    int startLine = line_;
    std::string raw = readDelimited(open, close, doubleQuoted, token.interpolated);
    token.kind = TokenKind::String;
    token.text = doubleQuoted ? unescapeDouble(raw, startLine) : unescapeSingle(raw, open, close);
    if (!isUtf8(token.text)) throw ParseError(startLine, "string is not valid UTF-8");
  }

  void lexRegex(Token& token, char open, char close) {
    int startLine = line_;
    std::string raw = readDelimited(open, close, true, token.interpolated);
    token.kind = TokenKind::Regex;
    // `\/` only escapes the delimiter; every other escape is the regex's own.
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == close && close == '/') continue;
      token.text += raw[i];
      if (raw[i] == '\\' && i + 1 < raw.size()) token.text += raw[++i];
    }
    while (isIdentStart(peek())) token.flags += text_[pos_++];
    if (!isUtf8(token.text)) throw ParseError(startLine, "regex is not valid UTF-8");
  }

  // %w[] %W[] %i[] %I[] %q() %Q() %r{} %(): false when '%' starts no literal here.
  bool lexPercent(Token& token) {
    char type = peek(1);
    char open = peek(2);
    std::size_t skip = 3;
    if (type == '\0' || std::string_view("wWiIqQr").find(type) == std::string_view::npos) {
      open = type;
      type = 'Q';
      skip = 2;
    }
    bool delimiter = open != '\0' && !isIdentChar(open) && !isBlank(open) && open != '\n' &&
                     open != '=' && (static_cast<unsigned char>(open) & 0x80) == 0;
    if (!delimiter) {
      if (skip == 2) return false;  // the modulo operator
      fail("unsupported % literal");
    }
    pos_ += skip;
    char close = closerOf(open);
    int startLine = line_;
    if (type == 'r') return lexRegex(token, open, close), true;
    bool doubleQuoted = type == 'W' || type == 'I' || type == 'Q';
    if (type == 'q' || type == 'Q') return lexString(token, open, close, doubleQuoted), true;
    bool interpolated = false;
    std::string raw = readDelimited(open, close, doubleQuoted, interpolated);
    if (interpolated) throw ParseError(startLine, "an interpolated word list cannot be converted");
    token.kind = TokenKind::Words;
    token.symbols = type == 'i' || type == 'I';
    splitWords(raw, doubleQuoted, open, close, startLine, token.words);
    return true;
  }

  void splitWords(const std::string& raw, bool doubleQuoted, char open, char close, int line,
                  std::vector<std::string>& words) const {
    std::string word;
    bool inWord = false;
    auto flush = [&] {
      if (!inWord) return;
      std::string value =
          doubleQuoted ? unescapeDouble(word, line) : unescapeSingle(word, open, close);
      if (!isUtf8(value)) throw ParseError(line, "word is not valid UTF-8");
      words.push_back(std::move(value));
      word.clear();
      inWord = false;
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 1 < raw.size() && (isBlank(raw[i + 1]) || raw[i + 1] == '\n')) {
        word += raw[++i];  // an escaped blank belongs to the word
        inWord = true;
      } else if (isBlank(c) || c == '\n') {
        flush();
      } else {
        word += c;
        if (c == '\\' && i + 1 < raw.size()) word += raw[++i];
        inWord = true;
      }
    }
    flush();
  }

  // <<ID, <<-ID, <<~ID, with ID bare or quoted; false when '<<' is an operator here.
  bool lexHeredoc(Token& token) {
    std::size_t at = pos_ + 2;
    char mode = at < text_.size() && (text_[at] == '-' || text_[at] == '~') ? text_[at++] : ' ';
    char quote = at < text_.size() && (text_[at] == '\'' || text_[at] == '"') ? text_[at] : '\0';
    std::string id;
    if (quote != '\0') {
      std::size_t close = text_.find(quote, at + 1);
      std::size_t eol = text_.find('\n', at + 1);
      if (close == std::string_view::npos || close > eol) fail("unterminated heredoc name");
      id = std::string(text_.substr(at + 1, close - at - 1));
      at = close + 1;
    } else {
      if (at >= text_.size() || !isIdentStart(text_[at])) return false;
      if (mode == ' ' && !isUpper(text_[at])) return false;
      std::size_t start = at;
      while (at < text_.size() && isIdentChar(text_[at])) ++at;
      id = std::string(text_.substr(start, at - start));
    }
    if (id.empty()) fail("empty heredoc name");
    pos_ = at;
    std::string body = readHeredocBody(id, mode != ' ');
    if (mode == '~') body = dedent(body);
    token.kind = TokenKind::String;
    if (quote == '\'') {
      token.text = std::move(body);
    } else {
      token.interpolated = hasInterpolation(body);
      token.text = unescapeDouble(body, line_);
    }
    if (!isUtf8(token.text)) fail("heredoc is not valid UTF-8");
    return true;
  }

  // Reads the lines after the current one (or after an earlier heredoc of this line) up
  // to the terminator line; lexing resumes after it once this line ends.
  std::string readHeredocBody(const std::string& id, bool indentedEnd) {
    std::size_t at = heredocResume_;
    int line = heredocLine_;
    if (at == std::string_view::npos) {
      std::size_t eol = text_.find('\n', pos_);
      if (eol == std::string_view::npos) fail("heredoc " + id + " has no body");
      at = eol + 1;
      line = line_ + 1;
    }
    int startLine = line_;
    std::string body;
    while (at < text_.size()) {
      std::size_t eol = text_.find('\n', at);
      std::size_t next = eol == std::string_view::npos ? text_.size() : eol + 1;
      std::string_view content = text_.substr(at, next - at);
      std::string_view bare = content;
      while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
      if (indentedEnd) {
        while (!bare.empty() && isBlank(bare.front())) bare.remove_prefix(1);
      }
      ++line;
      at = next;
      if (bare == id) {
        heredocResume_ = at;
        heredocLine_ = line;
        return body;
      }
      body += content;
      if (body.size() > kMaxTokenBytes) {
        throw ParseError(startLine,
                         "heredoc longer than " + std::to_string(kMaxTokenBytes) + " bytes");
      }
    }
    throw ParseError(startLine, "heredoc " + id + " is not terminated");
  }

  static bool hasInterpolation(const std::string& raw) {
    for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
      if (raw[i] == '\\') {
        ++i;
      } else if (raw[i] == '#' && (raw[i + 1] == '{' || raw[i + 1] == '@' || raw[i + 1] == '$')) {
        return true;
      }
    }
    return false;
  }

  // <<~: the smallest indentation of the non-blank lines is removed from every line.
  static std::string dedent(const std::string& body) {
    std::size_t indent = std::string::npos;
    for (std::size_t start = 0; start < body.size();) {
      std::size_t eol = body.find('\n', start);
      std::size_t end = eol == std::string::npos ? body.size() : eol;
      std::size_t blanks = start;
      while (blanks < end && isBlank(body[blanks])) ++blanks;
      if (blanks < end) indent = std::min(indent, blanks - start);
      start = end + 1;
    }
    if (indent == std::string::npos || indent == 0) return body;
    std::string out;
    for (std::size_t start = 0; start < body.size();) {
      std::size_t eol = body.find('\n', start);
      std::size_t end = eol == std::string::npos ? body.size() : eol + 1;
      std::size_t skip = 0;
      while (skip < indent && start + skip < end && isBlank(body[start + skip])) ++skip;
      out.append(body, start + skip, end - start - skip);
      start = end;
    }
    return out;
  }

  static std::string unescapeSingle(const std::string& raw, char open, char close) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() &&
          (raw[i + 1] == '\\' || raw[i + 1] == open || raw[i + 1] == close)) {
        ++i;
      }
      out += raw[i];
    }
    return out;
  }

  // Ruby's double-quoted escapes; an unknown one stands for the character itself.
  static std::string unescapeDouble(const std::string& raw, int line) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 1 >= raw.size()) {
        out += raw[i];
        continue;
      }
      char e = raw[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 's': out += ' '; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'e': out += '\x1b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\n': break;  // continues the line
        case 'x': out += static_cast<char>(readHex(raw, i, 2, line, "\\x")); break;
        case 'u': unicodeEscape(raw, i, line, out); break;
        case 'c':
        case 'C':
        case 'M': throw ParseError(line, std::string("escape \\") + e + " cannot be converted");
        default:
          if (e >= '0' && e <= '7') {
            int value = e - '0';
            for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7';
                 ++k)
              value = value * 8 + (raw[++i] - '0');
            out += static_cast<char>(value & 0xFF);
          } else {
            out += e;
          }
      }
    }
    return out;
  }

  // Up to `max` hex digits after raw[i]; at least one is required.
  static std::uint32_t readHex(const std::string& raw, std::size_t& i, int max, int line,
                               const char* escape) {
    std::uint32_t value = 0;
    int digits = 0;
    while (digits < max && i + 1 < raw.size() && hexValue(raw[i + 1]) >= 0) {
      value = value * 16 + static_cast<std::uint32_t>(hexValue(raw[++i]));
      ++digits;
    }
    if (digits == 0) throw ParseError(line, std::string("invalid ") + escape + " escape");
    return value;
  }

  static void unicodeEscape(const std::string& raw, std::size_t& i, int line, std::string& out) {
    auto add = [&](std::uint32_t cp) {
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        throw ParseError(line, "invalid \\u escape");
      appendUtf8(out, cp);
    };
    if (i + 1 >= raw.size() || raw[i + 1] != '{') {
      std::size_t before = i;
      std::uint32_t cp = readHex(raw, i, 4, line, "\\u");
      if (i - before != 4) throw ParseError(line, "invalid \\u escape");
      return add(cp);
    }
    ++i;  // '{'
    for (;;) {
      while (i + 1 < raw.size() && raw[i + 1] == ' ') ++i;
      if (i + 1 < raw.size() && raw[i + 1] == '}') {
        ++i;
        return;
      }
      add(readHex(raw, i, 6, line, "\\u"));
      if (i + 1 >= raw.size()) throw ParseError(line, "invalid \\u escape");
    }
  }

  void lexNumber(Token& token) {
    std::size_t start = pos_;
    int base = 10;
    if (peek() == '0' && std::string_view("xXbBoOdD").find(peek(1)) != std::string_view::npos &&
        peek(1) != '\0') {
      char b = static_cast<char>(peek(1) | 0x20);
      base = b == 'x' ? 16 : b == 'b' ? 2 : b == 'o' ? 8 : 10;
      pos_ += 2;
    } else if (peek() == '0' && (isDigit(peek(1)) || peek(1) == '_')) {
      base = 8;
      ++pos_;
    }
    std::string digits;
    auto readDigits = [&] {
      // Octal and binary digits are checked by from_chars; 'e' is an exponent in base 10.
      while ((base == 16 ? hexValue(peek()) >= 0 : isDigit(peek())) || peek() == '_') {
        if (peek() != '_') digits += peek();
        ++pos_;
      }
    };
    readDigits();
    bool isFloat = false;
    if (base == 10 && peek() == '.' && isDigit(peek(1))) {
      isFloat = true;
      digits += text_[pos_++];
      readDigits();
    }
    if (base == 10 && (peek() == 'e' || peek() == 'E') &&
        (isDigit(peek(1)) || ((peek(1) == '-' || peek(1) == '+') && isDigit(peek(2))))) {
      isFloat = true;
      digits += text_[pos_++];
      if (peek() == '-' || peek() == '+') digits += text_[pos_++];
      readDigits();
    }
    std::string_view literal = text_.substr(start, pos_ - start);
    if (isIdentChar(peek()) || digits.empty()) {
      fail("invalid number '" + std::string(literal) + std::string(1, peek()) + "'");
    }
    token.text = std::string(literal);
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (isFloat) {
      token.kind = TokenKind::Float;
      auto [end, ec] = std::from_chars(first, last, token.real);
      if (ec != std::errc() || end != last || !std::isfinite(token.real))
        fail("float literal out of range: " + token.text);
      return;
    }
    token.kind = TokenKind::Integer;
    auto [end, ec] = std::from_chars(first, last, token.integer, base);
    if (ec == std::errc::result_out_of_range) fail("integer literal out of range: " + token.text);
    if (ec != std::errc() || end != last) fail("invalid number '" + token.text + "'");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool space_ = true;
  std::vector<Token> tokens_;
  // Set while a heredoc's body has been read ahead: where lexing resumes once the line
  // that opened it ends.
  std::size_t heredocResume_ = std::string_view::npos;
  int heredocLine_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

}  // namespace drover::ddl::ruby
