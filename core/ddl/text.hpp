#pragma once
// Turning JSON values into text for people: reply rendering, aggregate summaries and
// the printf-like `format` option that DDL aggregates carry.
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::ddl {

/// Compact JSON. Invalid UTF-8 (reply data comes from the network) is replaced with
/// U+FFFD instead of failing. Never throws but std::bad_alloc.
std::string compactJson(const Json& value);

/// A value as a person reads it: strings without quotes, null as "", anything else as
/// compact JSON. Never throws but std::bad_alloc.
std::string toText(const Json& value);

/// printf-like formatting for formats that come from DDL files, interpreted here and
/// never passed to printf: %s %v (any value as toText), %d %i (integer; floats round),
/// %f (fixed point, 6 decimals unless .N is given) and %%, with optional '-' and '0'
/// flags, a width and a .precision of at most 64 each. Numeric strings convert for %d
/// and %f. A directive outside this set, or one without an argument left, is copied as
/// written. Never throws but std::bad_alloc.
std::string formatPrintf(std::string_view format, const std::vector<Json>& args);

}  // namespace drover::ddl
