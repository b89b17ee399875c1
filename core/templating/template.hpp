#pragma once
// The one {{...}} template language: flow step arguments ("puppet-{{master.identity}}")
// and notification texts ("{{node}} failed at {{step}}") are both written in it.
//
// Text outside the braces is copied as it is. Inside them is one expression:
//   {{node.facts.region}}                      a dotted path into the context
//   {{master.facts.fqdn || master.identity}}   alternatives: the first that is set wins
//   {{master.facts.puppet_port || 8140}}       the last alternative may be a literal, the
//   {{master.facts.env || "production"}}       default when no path before it is set
//   {{node.identity | lower}}                  a filter on the result: `lower` (Puppet
//                                              certnames are lower case) or
//   {{pools.web.*.name | join(',')}}           `join('SEP')`: a list's items as text
//                                              joined by SEP (other values as text)
//   {{pools.web.*.name}}                       `*` as a path segment: every value at that
//                                              level (an object's in the natural order of
//                                              its keys, web-2 before web-10; an array's
//                                              in order), the rest of the path below each;
//                                              a list (the unset ones left out). Not first.
// One filter at most. Spaces around the parts are ignored.
// - Paths are names of letters, digits, '_' and '-' joined by dots. At each level a key
//   that holds the whole rest of the path ("os.family") wins over the nested path
//   (os -> family): facts files use both shapes.
// - A literal is an integer (may be negative), a decimal (0.5), or a string in double or
//   single quotes with no escapes: it ends at the matching quote and may hold spaces and
//   '|' but not '}}'. A literal anywhere but last is an error (what follows is never used).
// - A string that is exactly one expression renders as the value itself (Template::render:
//   a number stays a number, an object an object); with text around it, strings are copied
//   and other values written as JSON.
// - A path is unset when absent or null. When every alternative is unset and there is no
//   literal, the caller decides (Unset): an error naming the expression (flows: the step
//   fails and says why), or "-" (notifications, where "" counts as unset too, so a line
//   never reads "failed at : ").
// - Each user says which names its templates may use (Names) and a template using another
//   is refused when it is parsed (flow or config load), not when a node reaches it:
//     flows:          node, master, provisioner, lookup, and any path under them
//     notifications:  node, master, event, step, error, attempt, duration, facts.NAME
//     deployments:    pools, self, deployment, params (core/deploy/references.hpp)
// - Errors (Error, with the byte offset where the problem starts): '{{' without '}}',
//   '}}' without '{{', nested '{{', an empty or malformed expression, a bad literal, an
//   unknown filter or name.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/templating/expression.hpp"
#include "core/util/json.hpp"

namespace drover::templating {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::size_t offset = 0)
      : std::runtime_error(message), offset_(offset) {}
  /// Byte offset in the template text where the problem starts.
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

/// The names a family of templates may use.
struct Names {
  std::vector<std::string> whole;  // allowed alone: "node", "attempt"
  std::vector<std::string> roots;  // allowed with a path after them: "facts" allows facts.NAME
};

/// What an expression renders as when nothing in it is set.
enum class Unset {
  Error,  // throw Error "{{x}} is not set"
  Dash,   // "-"; empty strings count as unset too
};

class Template {
 public:
  Template() = default;

  /// Parses `text`, any name allowed. Throws Error.
  static Template parse(const std::string& text);
  /// Parses `text`, refusing names outside `names`. Throws Error.
  static Template parse(const std::string& text, const Names& names);

  /// The value (one whole expression) or the text. Throws Error for an unset expression
  /// under Unset::Error.
  Json render(const Json& context, Unset unset = Unset::Error) const;
  /// Like render(), as text: a string as it is, other values as JSON.
  std::string renderText(const Json& context, Unset unset = Unset::Error) const;

  /// The first names of the paths used ("node", "master"; literals use none), each once,
  /// in the order they first appear.
  std::vector<std::string> roots() const;
  /// Every path used, with the offset of its expression's "{{", in order of appearance.
  struct Use {
    std::string path;
    std::size_t offset = 0;
  };
  std::vector<Use> uses() const;
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  struct Part {
    std::string literal;  // text copied as it is, or
    std::optional<Expression> expression;
  };
  std::string text_;
  std::vector<Part> parts_;
};

/// Renders every string inside `value` with Template::render (objects and arrays are
/// walked; keys are not templated). Throws Error prefixed with the path of the string
/// ("address: ", "list: [1]: ").
Json renderValue(const Json& value, const Json& context);

/// The value at a dotted path ("facts.os.family") in `object`, or nullptr when absent.
/// A key holding the whole rest of the path wins over the nested path.
const Json* lookupPath(const Json& object, std::string_view path);

/// Like lookupPath, with "*" segments: the values found below each member of the object
/// (in the natural order of its keys) or array there, as a list; nullopt when the path
/// before the first "*" is absent.
std::optional<Json> lookupAll(const Json& object, std::string_view path);

/// A string value as it is, any other value as JSON (bytes in it that are not UTF-8 as
/// U+FFFD).
std::string asText(const Json& value);

}  // namespace drover::templating
