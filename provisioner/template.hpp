#pragma once
// Step arguments templated from facts: "{{node.facts.region}}", "puppet-{{master.identity}}".
//
// An expression is a path into the context, optionally with alternatives and one filter:
//   {{node.facts.fqdn || node.identity | lower}}
// The first alternative that is set wins; `lower` lower-cases the result (Puppet
// certnames are lower case). The last alternative may be a literal, the default when no
// path before it is set:
//   {{master.facts.puppet_port || 8140}}    an integer (may be negative) or a decimal (0.5)
//   {{master.facts.env || "production"}}    a string in double or single quotes
// A quoted string ends at the matching quote and has no escapes; it may hold spaces and
// '|' but not '}}'. A literal anywhere but last is an error (what follows it is never used).
// A string that is exactly one expression takes the value's own type (a number, from a
// fact or a literal, stays a number); text around an expression makes it a string.
// Roots: node (identity, facts, data), master (identity, facts), provisioner (identity),
// lookup (the data of the reply to the step's lookup, asked just before its call).
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Checks the syntax of every expression in `text` and returns the roots they use
/// ("node", "master", ...; literals use none). Throws TemplateError naming the bad
/// expression.
std::vector<std::string> checkTemplate(const std::string& text);

/// Renders one string against `context`. Throws TemplateError naming the expression
/// whose every alternative is unset (an expression ending in a literal is always set).
Json renderString(const std::string& text, const Json& context);

/// Renders every string inside `value` (objects and arrays are walked; keys are not
/// templated). Throws TemplateError prefixed with the argument's path.
Json render(const Json& value, const Json& context);

/// The value at a dotted path ("facts.os.family") in `object`, or nullptr when unset.
const Json* lookupPath(const Json& object, const std::string& path);

}  // namespace drover::provisioner
