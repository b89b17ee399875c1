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
  std::string rule;     // unknown, required, type, maxlength, list, regex, a validator's
                        // name, unknown_type or unknown_validator (see validate())
  std::string message;  // for people; names the input and the rule
};

/// Whether `value` is of DDL type `type`. Integer takes floats with an integral value
/// (JSON encoders may write 5 as 5.0); float and number take any number; list takes a
/// string (membership is checked by validate()). Never throws.
bool hasType(InputType type, const Json& value);

/// Checks the arguments a caller sent and returns every violation found (empty when
/// `args` is valid): undeclared keys, required inputs missing, and each argument given
/// against its input's type and rules. Defaults are neither added nor checked: an input
/// left out is missing only when it is required and has no default (Choria's DDLs give
/// defaults such as "" that their own validation refuses; the agent gets them through
/// applyDefaults). A null argument counts as absent and is removed; an integral float
/// given for an integer input is stored back as an integer. Strings are checked for
/// maxlength (in UTF-8 characters; 0 is unlimited) and `validation`: a regex partially
/// matched with RE2 (MCollective's semantics) or a named validator (named_validators.hpp).
/// A value sent for an input whose named validator this Drover does not know is checked
/// for what can be checked (type, list, maxlength) and then refused, whatever its type,
/// with rule "unknown_validator": "input 'target' uses validator 'nettest_fqdn', which this
/// Drover does not know: values for it are refused". (Choria only warns and passes such
/// a value on; the agent may rely on the check.) Likewise an input of a type this Drover
/// does not know (Input::unknownType) refuses every value, with rule "unknown_type", as
/// Choria does. Leaving such an input out is as valid as for any other input. Safe to call from
/// several threads on one Action. Throws nothing but std::bad_alloc.
std::vector<Violation> validate(const Action& action, Json& args);

/// Whether validate() refuses every value sent for `input`: its DDL asks for a type or
/// validator this Drover does not know. Never throws.
bool refusesEveryValue(const Input& input);

/// Gives each input that `args` lacks (or holds null for) its DDL default, when it has
/// one: what the agent sees of a call that sent nothing for it. Run once, on the node,
/// just before the agent (agents::Agent::handle), so requests and audit records carry
/// what the caller sent. Does nothing when `args` is not an object. Throws nothing but
/// std::bad_alloc.
void applyDefaults(const Action& action, Json& args);

/// The violations of `value` against one input's type and rules, as validate() reports
/// them for an argument sent for that input. The loader uses it to check defaults.
std::vector<Violation> validateValue(const Input& input, const Json& value);

/// Turns command-line `key=value` strings into arguments typed per the action's inputs:
/// integer "5" -> 5; boolean true/false, yes/no, 1/0 (any case); float and number as
/// numbers; hash and array as JSON text; string, list and any as given. Keys the action
/// does not declare stay strings, for validate() to report; the caller runs validate()
/// on the result. Throws std::invalid_argument naming the argument when it is not
/// key=value, repeats a key, or its value does not convert.
Json parseCliArguments(const Action& action, const std::vector<std::string>& keyValues);

}  // namespace drover::ddl
