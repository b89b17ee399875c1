#include "core/ddl/ruby_parser.hpp"

#include <array>

namespace drover::ddl::ruby {
namespace {

// Keywords that open syntax of their own, which no DDL needs.
constexpr std::array<std::string_view, 18> kSyntaxKeywords{
    "if",  "unless", "while", "until", "case",  "def",   "class", "module", "begin",
    "for", "return", "yield", "super", "alias", "undef", "BEGIN", "END",    "defined?"};

// Keywords that only continue or close something else.
constexpr std::array<std::string_view, 13> kClosingKeywords{
    "do",     "end", "then", "else", "elsif", "when", "rescue",
    "ensure", "and", "or",   "not",  "in",    "break"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
  for (auto w : words)
    if (w == word) return true;
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(tokenize(text)) {}

  std::vector<Node> program() { return statements(Stop::Input); }

 private:
  enum class Stop { Input, End, Brace };

  // Counts nesting on the way down; the parser recurses, so this bounds its stack.
  class Depth {
   public:
    Depth(Parser& parser, const Token& at) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth) {
        throw ParseError(at.line, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
      }
    }
    ~Depth() { --parser_.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    Parser& parser_;
  };

  const Token& peek(std::size_t ahead = 0) const {
    return index_ + ahead < tokens_.size() ? tokens_[index_ + ahead] : tokens_.back();
  }

  const Token& next() {
    const Token& token = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    lastEnd_ = token.end;
    return token;
  }

  static bool isPunct(const Token& token, std::string_view text) {
    return token.kind == TokenKind::Punctuation && token.text == text;
  }
  static bool isWord(const Token& token, std::string_view text) {
    return token.kind == TokenKind::Identifier && token.text == text;
  }

  std::string describe(const Token& token) const {
    if (token.kind == TokenKind::End) return "end of file";
    if (token.kind == TokenKind::Newline) return "end of line";
    Node span;
    span.begin = token.begin;
    span.end = token.end;
    return "`" + excerpt(text_, span) + "`";
  }

  [[noreturn]] void fail(const Token& token, const std::string& what) const {
    throw ParseError(token.line, what);
  }
  [[noreturn]] void unexpected(const Token& token) const {
    fail(token, "unexpected " + describe(token));
  }

  void expect(std::string_view punctuation) {
    if (!isPunct(peek(), punctuation)) {
      fail(peek(), "expected `" + std::string(punctuation) + "`, got " + describe(peek()));
    }
    next();
  }

  void skipNewlines() {
    while (peek().kind == TokenKind::Newline) next();
  }

  Node startAt(const Token& token, NodeKind kind) const {
    Node node;
    node.kind = kind;
    node.line = token.line;
    node.begin = token.begin;
    node.end = token.end;
    return node;
  }

  Node unsupported(const Node& from) const {
    Node node;
    node.kind = NodeKind::Unsupported;
    node.line = from.line;
    node.begin = from.begin;
    node.end = lastEnd_;
    return node;
  }

  bool atStop(Stop stop, const Token& token) const {
    return (stop == Stop::End && isWord(token, "end")) ||
           (stop == Stop::Brace && isPunct(token, "}"));
  }

  std::vector<Node> statements(Stop stop) {
    std::vector<Node> out;
    for (;;) {
      while (peek().kind == TokenKind::Newline || isPunct(peek(), ";")) next();
      const Token& token = peek();
      if (token.kind == TokenKind::End) {
        if (stop == Stop::End) fail(token, "missing `end`");
        if (stop == Stop::Brace) fail(token, "missing `}`");
        return out;
      }
      if (atStop(stop, token)) return out;
      out.push_back(expression());
      const Token& after = peek();
      if (after.kind == TokenKind::Newline || isPunct(after, ";") || after.kind == TokenKind::End ||
          atStop(stop, after)) {
        continue;
      }
      unexpected(after);
    }
  }

  static bool isBinary(const Token& token) {
    if (token.kind == TokenKind::Operator) {
      return token.text != "!" && token.text != "~" && token.text != "->";
    }
    return isWord(token, "and") || isWord(token, "or");
  }

  // An operand followed by anything Ruby would evaluate: method chains, indexing, operators.
  Node expression() {
    Node node = operand();
    for (;;) {
      const Token& token = peek();
      if (isPunct(token, ".") || isPunct(token, "::")) {
        next();
        skipNewlines();
        const Token& name = next();
        if (name.kind != TokenKind::Identifier && name.kind != TokenKind::Constant)
          unexpected(name);
        Node member = startAt(name, NodeKind::Call);
        callTail(member, true);
      } else if (isPunct(token, "[") && !token.spaceBefore) {
        next();
        arguments("]");
      } else if (isBinary(token)) {
        next();
        skipNewlines();
        operand();
      } else {
        return node;
      }
      node = unsupported(node);
    }
  }

  Node operand() {
    const Token& token = peek();
    Depth depth(*this, token);
    Node node = startAt(token, NodeKind::Nil);
    switch (token.kind) {
      case TokenKind::Integer:
        next();
        node.kind = NodeKind::Integer;
        node.integer = token.integer;
        node.text = token.text;
        return node;
      case TokenKind::Float:
        next();
        node.kind = NodeKind::Float;
        node.real = token.real;
        node.text = token.text;
        return node;
      case TokenKind::String: return strings();
      case TokenKind::Symbol:
        next();
        node.kind = NodeKind::Symbol;
        node.text = token.text;
        return node;
      case TokenKind::Regex:
        next();
        node.kind = token.interpolated ? NodeKind::Unsupported : NodeKind::Regex;
        node.text = token.text;
        node.flags = token.flags;
        return node;
      case TokenKind::Words: return words();
      case TokenKind::Variable: next(); return unsupported(node);
      case TokenKind::Constant:
        next();
        callTail(node, false);
        return unsupported(node);
      case TokenKind::Identifier: return identifier();
      case TokenKind::Operator: return prefixed();
      case TokenKind::Punctuation:
        if (token.text == "[") return array();
        if (token.text == "{") return hash();
        if (token.text == "(") return parenthesized();
        if (token.text == "::") {
          next();
          operand();
          return unsupported(node);
        }
        unexpected(token);
      default: unexpected(token);
    }
  }

  // -5 and +1.5 are literals; any other prefix operator needs Ruby to evaluate it.
  Node prefixed() {
    const Token& op = next();
    const Token& number = peek();
    bool numeric = number.kind == TokenKind::Integer || number.kind == TokenKind::Float;
    if ((op.text == "-" || op.text == "+") && numeric && !number.spaceBefore) {
      Node node = operand();
      node.begin = op.begin;
      if (op.text == "-") {
        node.integer = -node.integer;
        node.real = -node.real;
        node.text = "-" + node.text;
      }
      return node;
    }
    if (op.text == "-" || op.text == "+" || op.text == "!" || op.text == "~") {
      Node node = startAt(op, NodeKind::Unsupported);
      operand();
      return unsupported(node);
    }
    unexpected(op);
  }

  // Adjacent string literals are one string, as in Ruby.
  Node strings() {
    Node node = startAt(peek(), NodeKind::String);
    bool interpolated = false;
    while (peek().kind == TokenKind::String) {
      const Token& token = next();
      interpolated = interpolated || token.interpolated;
      node.text += token.text;
      node.end = token.end;
    }
    return interpolated ? unsupported(node) : node;
  }

  Node words() {
    const Token& token = next();
    Node node = startAt(token, NodeKind::Array);
    for (const auto& word : token.words) {
      Node element = startAt(token, token.symbols ? NodeKind::Symbol : NodeKind::String);
      element.text = word;
      node.items.push_back(std::move(element));
    }
    return node;
  }

  Node identifier() {
    const Token& token = next();
    Node node = startAt(token, NodeKind::Call);
    if (token.text == "nil") {
      node.kind = NodeKind::Nil;
    } else if (token.text == "true" || token.text == "false") {
      node.kind = NodeKind::Boolean;
      node.boolean = token.text == "true";
    } else if (contains(kSyntaxKeywords, token.text)) {
      fail(token, "cannot convert Ruby `" + token.text + "`: only DDL statements are understood");
    } else if (contains(kClosingKeywords, token.text)) {
      unexpected(token);
    } else if (token.text == "self" || token.text.starts_with("__")) {
      node.kind = NodeKind::Unsupported;
    } else {
      node.text = token.text;
      callTail(node, true);
    }
    return node;
  }

  // A call's arguments (in parentheses, or a command's up to the end of the line) and
  // block. `do` belongs to the outermost command, as in Ruby.
  void callTail(Node& call, bool mayTakeArguments) {
    bool parenthesized = false;
    if (isPunct(peek(), "(") && !peek().spaceBefore) {
      next();
      call.items = arguments(")");
      parenthesized = true;
    } else if (mayTakeArguments && startsArgument()) {
      bool outer = inCommand_;
      inCommand_ = true;
      call.items = arguments(nullptr);
      inCommand_ = outer;
    }
    if (isWord(peek(), "do") && !inCommand_) {
      block(call, Stop::End);
    } else if (isPunct(peek(), "{") && (parenthesized || call.items.empty())) {
      block(call, Stop::Brace);
    }
    call.end = lastEnd_;
  }

  // Whether the next token, on this line, starts a command argument (`foo :a`), rather
  // than ending the statement or continuing it with an operator (`foo - 1`).
  bool startsArgument() const {
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::Integer:
      case TokenKind::Float:
      case TokenKind::String:
      case TokenKind::Symbol:
      case TokenKind::Regex:
      case TokenKind::Words:
      case TokenKind::Constant:
      case TokenKind::Variable:
      case TokenKind::Label: return true;
      case TokenKind::Identifier: return !contains(kClosingKeywords, token.text);
      case TokenKind::Punctuation:
        return ((token.text == "[" || token.text == "(") && token.spaceBefore) ||
               token.text == "::";
      case TokenKind::Operator:
        if (token.text == "!") return true;
        return (token.text == "-" || token.text == "+") && token.spaceBefore &&
               !peek(1).spaceBefore;
      default: return false;
    }
  }

  // Arguments up to `closer`, or a command's (closer null). `key => value` and `key: value`
  // arguments gather into one trailing Hash argument.
  std::vector<Node> arguments(const char* closer) {
    Depth depth(*this, peek());
    bool outer = inCommand_;
    if (closer != nullptr) inCommand_ = false;
    std::vector<Node> args;
    bool inHash = false;
    if (closer != nullptr) skipNewlines();
    if (closer != nullptr && isPunct(peek(), closer)) {
      next();
      inCommand_ = outer;
      return args;
    }
    for (;;) {
      const Token& start = peek();
      Node key;
      bool pair = pairKey(key);
      if (!pair) {
        Node value = expression();
        if (isPunct(peek(), "=>")) {
          next();
          key = std::move(value);
          pair = true;
        } else {
          if (inHash) fail(start, "positional argument after `key => value` arguments");
          args.push_back(std::move(value));
        }
      }
      if (pair) {
        skipNewlines();
        if (!inHash) args.push_back(startAt(start, NodeKind::Hash));
        inHash = true;
        args.back().items.push_back(std::move(key));
        args.back().items.push_back(expression());
        args.back().end = lastEnd_;
      }
      if (closer != nullptr) skipNewlines();
      if (isPunct(peek(), ",")) {
        next();
        skipNewlines();
        if (closer != nullptr && isPunct(peek(), closer)) break;
        continue;
      }
      break;
    }
    if (closer != nullptr) expect(closer);
    inCommand_ = outer;
    return args;
  }

  // A `name:` label as a hash key (a symbol).
  bool pairKey(Node& key) {
    if (peek().kind != TokenKind::Label) return false;
    const Token& label = next();
    key = startAt(label, NodeKind::Symbol);
    key.text = label.text;
    return true;
  }

  Node array() {
    Node node = startAt(next(), NodeKind::Array);
    bool outer = inCommand_;
    inCommand_ = false;
    for (;;) {
      skipNewlines();
      if (isPunct(peek(), "]")) break;
      const Token& start = peek();
      node.items.push_back(expression());
      if (isPunct(peek(), "=>") || start.kind == TokenKind::Label) {
        fail(start, "cannot convert a hash without braces inside an array");
      }
      skipNewlines();
      if (!isPunct(peek(), ",")) break;
      next();
    }
    expect("]");
    inCommand_ = outer;
    node.end = lastEnd_;
    return node;
  }

  Node hash() {
    Node node = startAt(next(), NodeKind::Hash);
    bool outer = inCommand_;
    inCommand_ = false;
    for (;;) {
      skipNewlines();
      if (isPunct(peek(), "}")) break;
      Node key;
      if (!pairKey(key)) {
        key = expression();
        skipNewlines();
        expect("=>");
      }
      skipNewlines();
      node.items.push_back(std::move(key));
      node.items.push_back(expression());
      skipNewlines();
      if (!isPunct(peek(), ",")) break;
      next();
    }
    expect("}");
    inCommand_ = outer;
    node.end = lastEnd_;
    return node;
  }

  Node parenthesized() {
    next();
    bool outer = inCommand_;
    inCommand_ = false;
    skipNewlines();
    Node inner = expression();
    skipNewlines();
    expect(")");
    inCommand_ = outer;
    return inner;
  }

  void block(Node& call, Stop stop) {
    Depth depth(*this, peek());
    next();  // `do` or `{`
    bool outer = inCommand_;
    inCommand_ = false;
    if (peek().kind == TokenKind::Operator && peek().text == "||") {
      next();
    } else if (isPunct(peek(), "|")) {
      next();
      while (!isPunct(peek(), "|")) {
        const Token& param = next();
        if (param.kind != TokenKind::Identifier) unexpected(param);
        call.blockParams.push_back(param.text);
        if (isPunct(peek(), ",")) next();
      }
      next();
    }
    call.body = statements(stop);
    next();  // `end` or `}`
    call.hasBlock = true;
    inCommand_ = outer;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  std::size_t lastEnd_ = 0;
  int depth_ = 0;
  bool inCommand_ = false;  // parsing a command's arguments: a `do` is not ours
};

}  // namespace

std::vector<Node> parse(std::string_view text) { return Parser(text).program(); }

std::string excerpt(std::string_view text, const Node& node) {
  constexpr std::size_t kMax = 60;
  std::string out;
  std::size_t end = std::min(node.end, text.size());
  bool blank = false;
  for (std::size_t i = std::min(node.begin, end); i < end && out.size() <= kMax; ++i) {
    char c = text[i];
    bool isSpace = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (isSpace) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  if (out.size() > kMax) {
    out.resize(kMax);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
    out += "...";
  }
  return out;
}

}  // namespace drover::ddl::ruby
