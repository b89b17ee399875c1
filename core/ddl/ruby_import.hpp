#pragma once
// `drover ddl import`: an MCollective agent DDL (Ruby, `agent/NAME.ddl`) as a Drover JSON
// DDL, read without running Ruby (ruby_parser.hpp). The result takes and refuses the
// requests MCollective's DDL does, with these deliberate differences:
//  - validation regexes run on RE2 (named_validators.hpp), where `^` and `$` anchor the
//    whole value, not each line as in Ruby: a value with a line break that Ruby accepts
//    line by line is refused. Ruby regex syntax RE2 lacks (look-around, back references,
//    \h, \Z, the x flag, possessive quantifiers) is an import error;
//  - :shellsafe also refuses a lone '&' and line breaks, Drover's stricter rule;
//  - :float takes an integral JSON number (JSON does not tell 5 from 5.0);
//  - :hash and :array inputs take hashes and arrays, as in Choria (MCollective 2.12 knows
//    no such validator and refuses every value);
//  - `:validation` and `:maxlength` on a non-string input, which MCollective never
//    applies, are left out with a warning;
//  - an argument the action does not declare is refused (validator.hpp); MCollective
//    passes it on.
// Left out with a warning, as they change nothing a request is checked against: metadata
// keys Drover has no place for, `requires`, `usage`, unknown input or output properties,
// a `:format` given to `aggregate` itself (MCollective never reads it), `display
// :flatten` (shown as :always). An aggregate function Drover does not compute is kept: the
// loader warns and shows no summary for it, as MCollective skips a missing function.
// Everything else that does not convert is an ImportError "SOURCE:LINE: what", e.g.
//   agent/foo.ddl:12: cannot convert Ruby expression `File.exist?(x)` in input :path :validation
// and nothing is produced. Data, discovery, validator, aggregate and connector plugin
// DDLs are refused by name.
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/ddl/ddl.hpp"

namespace drover::ddl {

/// The largest DDL file read; MCollective's own are under 10 KiB.
inline constexpr std::size_t kMaxRubyDdlBytes = 1024 * 1024;

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportedDdl {
  std::string agent;  // the agent's name: the file's name without `.ddl`, as in MCollective
  std::string json;   // the JSON DDL, ending in a newline
  Ddl ddl;            // `json` as Drover's loader reads it
  std::vector<std::string> warnings;  // what was left out or changed, "SOURCE:LINE: what"
};

/// Converts the text of `source` (a path: its stem names the agent). Throws ImportError
/// naming the source and line; never anything else but std::bad_alloc, whatever the text.
ImportedDdl importRubyDdl(std::string_view text, const std::string& source);

/// Reads (at most kMaxRubyDdlBytes) and converts a file. Throws ImportError.
ImportedDdl importRubyDdlFile(const std::filesystem::path& path);

}  // namespace drover::ddl
