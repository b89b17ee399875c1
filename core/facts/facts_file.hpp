#pragma once
// The YAML facts file and the classes file of a node.
//
// Facts keep their YAML types, so filters can compare numbers as numbers. The typing of a
// plain (unquoted) scalar is deliberately narrower than YAML 1.1 so that a value never
// changes type by surprise:
//   0, 42, -12                       integer (int64; a larger one stays a string)
//   1.5, -2.0, 3.0                   double: decimal with a fraction (the filter
//                                    language reads numbers the same way)
//   true True TRUE false False FALSE bool (yes, no, on, off stay strings)
//   ~ null Null NULL, or nothing     null
//   everything else                  string, including 010 and 00.5 (leading zeros),
//                                    0x10, 0o17, 1e3, 1_000, +5, .5, 1., .inf, .nan, 1.2.3
// Quoted and block (| >) scalars, and scalars tagged !!str, are always strings; other
// tags are ignored. A version such as 1.10 must be quoted to stay "1.10".
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::facts {

/// A facts or classes file that cannot be read or understood. The message names the
/// file, and for content problems file:line:column.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Nesting deeper than this is refused (a self-referencing alias would never end).
inline constexpr int kMaxDepth = 64;

/// Reads a YAML facts file into a JSON object, typed as described above; an empty file
/// gives an empty object. Throws Error when the file cannot be read, is not valid YAML, its
/// top level is not a map, a key is not a scalar or repeats, or nesting exceeds kMaxDepth.
Json loadFactsFile(const std::filesystem::path& file);

/// The same for YAML text; `name` stands for the file in messages. Throws as above.
Json parseFacts(const std::string& text, const std::string& name);

/// The typed value of one plain scalar, by the rules above.
Json typedScalar(const std::string& text);

/// Reads a classes file (MCollective's classes.txt): one class per line, surrounding
/// whitespace trimmed, blank lines and lines starting with '#' skipped.
/// Throws Error when the file cannot be read.
std::vector<std::string> loadClassesFile(const std::filesystem::path& file);

}  // namespace drover::facts
