#pragma once
// Step arguments templated from facts: "{{node.facts.region}}", "puppet-{{master.identity}}".
//
// An expression is a path into the context, optionally with alternatives and one filter:
//   {{node.facts.fqdn || node.identity | lower}}
// The first alternative that is set wins; `lower` lower-cases the result (Puppet
// certnames are lower case). A string that is exactly one expression takes the value's
// own type (a number stays a number); text around an expression makes it a string.
// Roots: node (identity, facts), master (identity, facts), provisioner (identity).
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
/// ("node", "master", ...). Throws TemplateError naming the bad expression.
std::vector<std::string> checkTemplate(const std::string& text);

/// Renders one string against `context`. Throws TemplateError naming the expression
/// whose every alternative is unset.
Json renderString(const std::string& text, const Json& context);

/// Renders every string inside `value` (objects and arrays are walked; keys are not
/// templated). Throws TemplateError prefixed with the argument's path.
Json render(const Json& value, const Json& context);

/// The value at a dotted path ("facts.os.family") in `object`, or nullptr when unset.
const Json* lookupPath(const Json& object, const std::string& path);

}  // namespace drover::provisioner
