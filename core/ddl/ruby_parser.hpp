#pragma once
// A syntax tree for the Ruby subset of MCollective's `.ddl` files: statements that are
// method calls, with or without parentheses, with arguments (a trailing `k => v` or `k: v`
// list becomes one Hash argument) and an optional `do ... end` or `{ }` block; and
// literals (nil, true, false, numbers, strings with adjacent ones joined, symbols, regexes,
// %w/%i lists, arrays, hashes). Anything else Ruby would evaluate (operators, method
// chains, constants, variables, interpolated strings) parses into an Unsupported node
// that keeps its place in the text, so the importer can name it. Ruby keywords that open
// their own syntax (if, def, class, ...) and tokens out of place are ParseErrors.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ddl/ruby_lexer.hpp"

namespace drover::ddl::ruby {

/// Blocks, arrays, hashes, parentheses and argument lists nest at most this deep.
inline constexpr int kMaxDepth = 64;

enum class NodeKind {
  Nil,
  Boolean,
  Integer,
  Float,
  String,
  Symbol,
  Regex,
  Array,
  Hash,
  Call,
  Unsupported
};

struct Node {
  NodeKind kind = NodeKind::Nil;
  int line = 1;
  std::size_t begin = 0;  // byte span in the text, for messages
  std::size_t end = 0;
  std::string text;          // String/Symbol value, Regex source, Call name, number as written
  std::string flags;         // Regex: the letters after it
  bool boolean = false;      // Boolean
  std::int64_t integer = 0;  // Integer
  double real = 0;           // Float
  std::vector<Node> items;   // Array: elements; Hash: key, value, key, value...; Call: arguments
  std::vector<Node> body;    // Call: the statements of its block
  bool hasBlock = false;     // Call: a block was given (`body` may still be empty)
  std::vector<std::string> blockParams;  // Call: |a, b|
};

/// Parses a whole file into its top-level statements. Throws ParseError naming the line.
std::vector<Node> parse(std::string_view text);

/// The text of `node` as written, blanks collapsed, cut at about 60 characters.
std::string excerpt(std::string_view text, const Node& node);

}  // namespace drover::ddl::ruby
