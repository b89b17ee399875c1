#pragma once
// Checking request arguments against a DDL action. The client runs it before a request
// leaves and the node again before the agent runs (DESIGN.md, "DDL: describing agents");
// arguments are untrusted input from the network, so nothing here throws on them.
#include <string>
#include <vector>

#include "core/ddl/ddl.hpp"
#include "core/util/json.hpp"

namespace drover::ddl {

struct Violation {
  std::string input;    // the argument concerned ("" when `args` is not an object)
  std::string rule;     // unknown, required, type, maxlength, list, regex, or a validator's name
  std::string message;  // for people; names the input and the rule
};

/// Whether `value` is of DDL type `type`. Integer takes floats with an integral value
/// (JSON encoders may write 5 as 5.0); float and number take any number; list takes a
/// string (membership is checked by validate()). Never throws.
bool hasType(InputType type, const Json& value);

/// Applies the action's defaults to absent inputs in `args`, then checks every argument
/// and returns every violation found (empty when `args` is valid). A null argument
/// counts as absent and is removed unless a default replaces it; an integral float
/// given for an integer input is stored back as an integer. Strings are checked for
/// maxlength (in UTF-8 characters) and `validation`: a regex partially matched with
/// RE2 (MCollective's semantics) or a named validator (named_validators.hpp).
/// Safe to call from several threads on one Action. Throws nothing but std::bad_alloc.
std::vector<Violation> validate(const Action& action, Json& args);

/// Turns command-line `key=value` strings into arguments typed per the action's inputs:
/// integer "5" -> 5; boolean true/false, yes/no, 1/0 (any case); float and number as
/// numbers; hash and array as JSON text; string, list and any as given. Keys the action
/// does not declare stay strings, for validate() to report; the caller runs validate()
/// on the result. Throws std::invalid_argument naming the argument when it is not
/// key=value, repeats a key, or its value does not convert.
Json parseCliArguments(const Action& action, const std::vector<std::string>& keyValues);

}  // namespace drover::ddl
