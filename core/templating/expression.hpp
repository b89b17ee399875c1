#pragma once
// One expression between "{{" and "}}": its alternatives, its literal default and its
// filter (the grammar is documented in template.hpp). Used by Template only.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::templating {

struct Expression {
  std::string inner;               // the text between the braces, as written
  std::size_t offset = 0;          // where its "{{" starts in the template
  std::vector<std::string> paths;  // alternatives, in order
  std::optional<Json> literal;     // the default after them: a number or a string
  bool lower = false;
  std::optional<std::string> join;  // the separator of `| join('SEP')`
};

/// Parses the text between the braces. Throws Error (offset 0) naming what is wrong.
Expression parseExpression(const std::string& inner);

/// The first alternative of `expr` set in `context`, else its literal, filtered; nullopt
/// when neither is there. `emptyIsUnset` skips alternatives holding "" as well.
std::optional<Json> evaluate(const Expression& expr, const Json& context, bool emptyIsUnset);

}  // namespace drover::templating
