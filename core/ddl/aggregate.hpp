#pragma once
// Aggregate summaries of one output over the replies of many nodes (the `aggregate`
// list of a DDL action): summary, boolean_summary, average, sum and chart, in Choria's
// style.
#include <string>
#include <string_view>
#include <vector>

#include "core/ddl/ddl.hpp"
#include "core/util/json.hpp"

namespace drover::ddl {

/// Whether this build computes `function`. The loader skips an aggregate of another
/// function (MCollective plugins bring their own) with a warning; computing one by hand
/// gives a result with an "error".
bool isKnownAggregateFunction(std::string_view function);

/// Summarises `aggregate.output` over the `data` objects of the replies. Replies that
/// lack the output or hold null there are skipped. The result is a JSON object with
/// "function" and "output" and, by function:
///   summary          "items": [{"value": text, "count": n}, ...], most frequent first
///                    (ties by value); a list counts each element; args keys other
///                    than "format" relabel values ("true": "enabled")
///   boolean_summary  "items" as summary, and "true"/"false": how many replies held
///                    each boolean (strings "true"/"false" count too)
///   average          "value": the mean or null, "count": replies holding a number
///   sum              "value": the sum (an integer when every addend is), "count"
///   chart            "items" as summary, of the numeric values only, in ascending
///                    value order (Choria draws them as a graph; here they read as a
///                    summary, and its "format", which wraps the graph, is not used)
///   anything else    "error": why there is no result
/// Numeric strings count as numbers for average and sum. Never throws but std::bad_alloc.
Json computeAggregate(const Aggregate& aggregate, const std::vector<Json>& replyDatas);

/// The result as lines for people, each ending in '\n'. The aggregate's "format" option
/// is used when given (summary: value then count; average and sum: the value), through
/// formatPrintf() and never printf. Defaults: "%<width>s: %d" for summaries (values
/// right-aligned), "Average: %.3f", "Sum: %d" or "Sum: %.3f". Never throws but
/// std::bad_alloc.
std::string formatAggregate(const Aggregate& aggregate, const Json& result);

}  // namespace drover::ddl
