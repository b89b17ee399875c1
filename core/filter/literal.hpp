#pragma once
// Spelling of filter literals, shared by the parser (reading) and the expression tree
// (printing canonical text), so both agree on what needs quotes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover::filter {

/// Characters of fact names and bare class words.
bool isNameChar(char c);

/// ASCII lower case, for case-insensitive keywords.
std::string toLower(std::string_view text);

/// `text` as a bare word when it reads back unchanged, else double-quoted.
std::string quoteValue(std::string_view text);
/// `text` double-quoted, with `"` and `\` escaped.
std::string doubleQuoted(std::string_view text);

/// `pattern` between slashes, with each unescaped `/` written as `\/`.
std::string regexLiteral(std::string_view pattern);

/// A VALUE read as a number. Integers keep an exact copy for exact comparisons.
struct Number {
  double real = 0;
  std::int64_t integer = 0;
  bool isInteger = false;
};

/// The number `text` spells when it is a plain decimal (`4`, `-2`, `2.5`); none for
/// anything else, including `010`, `0x1F`, `1e3`, `+4` and `4.`.
std::optional<Number> parseNumber(std::string_view text);

}  // namespace drover::filter
