#pragma once
// Showing replies to people the way the DDL describes them, in the manner of MCollective's
// `mco rpc` output.
#include <string>
#include <vector>

#include "core/ddl/ddl.hpp"
#include "core/util/json.hpp"

namespace drover::ddl {

/// One node's reply data as lines "Label: value": first each declared output present in
/// `data`, in DDL order and labelled with its display_as (or its name when that is
/// empty), then the keys the DDL does not declare, by name. Labels are right-aligned to
/// the widest; `indent` spaces precede each line and continuation lines of multi-line
/// values align under the value. Strings print as they are, null as nothing, hashes and
/// arrays as compact JSON. Data that is not an object prints as one line. Never throws
/// but std::bad_alloc.
std::string renderReply(const Action& action, const Json& data, int indent);

/// Whether a reply is shown by default: always; only successes (ok); or only failures
/// (failed, MCollective's default).
bool shouldDisplay(const Action& action, bool ok);

/// How people see an output: its display_as, or its name when that is empty or the
/// action declares no such output.
std::string outputLabel(const Action& action, const std::string& output);

/// The action's aggregates over the replies' data, one block per output that has any
/// (in the order of their first aggregate): "Summary of <outputLabel>:", a blank line,
/// the lines of each aggregate on that output (formatAggregate) indented, a blank line.
/// Empty when the action has no aggregates. Never throws but std::bad_alloc.
std::string renderSummaries(const Action& action, const std::vector<Json>& replyDatas);

}  // namespace drover::ddl
