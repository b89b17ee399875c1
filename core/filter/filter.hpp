#pragma once
// Filter expressions: which nodes answer a request (DESIGN.md, "Discovery and RPC").
// The client parses a filter before sending, so an invalid one is rejected at the
// keyboard; each node parses it again from the envelope and evaluates it on itself.
//
// The filter language
// ===================
//
// An empty filter matches every node. Otherwise a filter is one expression:
//
//   region=eu-west-1 and (role=web or role=db) and not maintenance=true
//
// Fact comparisons: `NAME OP VALUE` or `fact(NAME) OP VALUE`
//   OP is `==` (or `=`), `!=`, `<`, `>`, `<=`, `>=` or `=~`; spaces around OP are allowed.
//   NAME is letters, digits, `_`, `-`, `:` and `.`. A dotted name first looks up that
//   literal top-level key, then walks nested objects: `os.family` reads
//   {"os": {"family": "Debian"}}. fact(NAME) is the same comparison, spelt so that the
//   client's check of fact names (below) lets it through: fact(noop)=true.
//   VALUE is a bare word (everything up to a space, `)`, `&&` or `||`), or a string in
//   double or single quotes. Inside quotes `\"`, `\'` and `\\` stand for the character
//   itself; any other backslash is kept, so `"\d+"` is the regex \d+. Quote values that
//   contain spaces, parentheses or quotes. Quoting never changes a value's type.
//   For `=~` the value is a regex: `/.../` (write `\/` for a slash), or a quoted or
//   bare string. A `/.../` value with any other operator is an error; quote it to
//   compare the text. MCollective's `fact=/re/` gets that error whatever the pattern
//   holds (`fact=/re(x)/`, `fact=/a b/`, `fact=/a||b/`); a bare value that is not a
//   whole /regex/, such as `/etc/hosts`, is text.
//
// Types: facts keep their YAML types; the comparison follows the fact.
//   VALUE is a number when it is a plain decimal: `4`, `-2`, `2.5`. `010`, `0x1F`,
//   `1e3`, `+4` and `4.` are text (the client refuses them bare in `<` `>` `<=` `>=`).
//   `==` and `!=`
//     - number fact, number VALUE: numeric.   cpus: 4     cpus==4.0 true
//     - boolean fact: `true`/`false` (any case). virtual: true  virtual=TRUE true
//     - otherwise the fact's text form equals VALUE exactly (case-sensitive).
//                                             cpus: 4     cpus==04 false (text)
//                                             port: "80"  port==80 true (text "80")
//                                             ratio: 2.0  ratio==2 true, its text is "2"
//   `<` `>` `<=` `>=`
//     - number fact, number VALUE: numeric.   cpus: 16    cpus>=4 true
//     - otherwise byte-wise string order of the text forms.
//                                             kernel: "5.10"  kernel>=5.9 false ("5.10" < "5.9")
//                                             name: "web10"   name>web9 false
//   `=~` RE2 partial match against the fact's text form; anchor with ^ and $.
//                                             hostname: "web12"  hostname=~^web\d+$ true
//   Text forms: strings as they are, integers in decimal, floats without a trailing
//   `.0` (2.0 -> "2", 2.5 -> "2.5"), booleans `true`/`false`.
//   Null and objects: every comparison, `!=` included, is false (compare a nested key
//   with a dotted name instead).
//   Lists: `==` and `=~` are true when any element matches; `!=` is true when no
//   element equals VALUE; ordering comparisons are false. Elements that are null,
//   objects or lists never match.
//                                             ports: [22, 80]  ports==80 true, ports!=80 false
//   Missing facts: every comparison, `!=` included, is false; `not` of it is true.
//     no `rack` fact: rack==a1 false, rack!=a1 false, not rack==a1 true.
//
// Classes, agents, identity
//   class(NAME) or class(/regex/); a bare word with no operator (`role::web`) or a
//   bare `/regex/` is a class too. agent(NAME) or agent(/regex/) is an agent the node
//   hosts. identity(NAME) or identity(/regex/) is the node's identity, or one of its
//   names: the service name it was assigned (db-master, web-7) and the aliases it
//   holds (NodeView::names), so `-I db-master` finds the node whatever its bus
//   identity. A NAME matches exactly; a /regex/ is an RE2 partial match, true when
//   the identity or any name matches: identity(/^web\d+\./), identity(/^db-slave-/).
//
// Boolean operators
//   `and` (`&&`), `or` (`||`), `not` (`!`) and parentheses. `not` binds tightest, then
//   `and`, then `or`: `a or b and not c` is `a or (b and (not c))`. Keywords and
//   the words class, agent and identity are case-insensitive; `and`, `or` and `not`
//   cannot be class names written bare (use class(and)).
//
// What the client refuses
//   combine() (the CLI's -F, -C, -A, -I and -S) checks what a person typed before
//   anything is sent. Nodes parse with the grammar alone, so none of this changes what
//   a filter means on a node.
//   - `<` `>` `<=` `>=` with a bare VALUE that looks like a number in another notation:
//     leading zeros (`010`), `0x1F`, `0o17`, `0b101`, digit separators (`1_000`,
//     `1'000`, `1,000`), a leading `+`, `.5`, `5.`, an exponent (`1e3`). As text it
//     would compare strings, and `cpus>=010` would select a node with 4 cpus. The error
//     names the value and the plain decimal to write (`cpus>=10`; none for `1,000`,
//     which may mean 1000 or 1.0). Quote the value to compare text: cpus>="010".
//   - A -C, -A or -I value, or a name in class(), agent() or identity(), holding `=`:
//     no class, agent or identity has one, so it is a key=value given to the wrong
//     flag. A /regex/ may hold `=`.
//   - A bare fact name its caller reserves: `drover rpc AGENT ACTION` refuses ACTION's
//     inputs, so `-F noop=true` is never taken for the input noop=true. Write
//     fact(NAME) to filter on a fact of that name: -F 'fact(noop)=true'.
//
// Canonical text (Filter::text(), what the client sends): `==` for `=`, lower-case
// `and`/`or`/`not` for any spelling, class(NAME) for a bare class, NAME for fact(NAME),
// values quoted only when they need it or are ordered as text (cpus >= "010"),
// parentheses only where precedence needs them:
//   Role::Web && (a=1 || b='x y')  ->  class(Role::Web) and (a == 1 or b == "x y")
//
// Regexes are RE2 (https://github.com/google/re2/wiki/Syntax): matching takes linear
// time, so no filter from the network can stall a node. Errors (bad regex, unbalanced
// or empty parentheses, a missing operand, an unknown operator, trailing text) name
// the column. Expressions are at most kMaxLength bytes and nest at most kMaxDepth deep.
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::filter {

/// Longest expression accepted, in bytes.
inline constexpr std::size_t kMaxLength = 8 * 1024;
/// Deepest nesting of parentheses and `not` accepted.
inline constexpr int kMaxDepth = 64;

/// No names besides the identity (NodeView's default).
inline const std::vector<std::string> kNoNames;

/// What a node exposes to filters.
struct NodeView {
  const Json& facts;  // object; values keep YAML types
  const std::vector<std::string>& classes;
  const std::vector<std::string>& agents;
  const std::string& identity;
  /// Other names the node answers identity() to: its assigned name and held aliases
  /// (the naming agent). The bus identity itself never changes.
  const std::vector<std::string>& names = kNoNames;
};

/// A filter that cannot be parsed. The message quotes the expression (or the CLI flag)
/// and names the offending token and its 1-based column, e.g.
/// "filter 'region=' at column 8: expected a value after '='".
class FilterError : public std::runtime_error {
 public:
  FilterError(std::string message, std::size_t position);
  /// 0-based byte offset of the offending token in the expression.
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

class Expression;

/// A parsed filter. Immutable, cheap to copy, and safe to share between threads.
class Filter {
 public:
  /// The empty filter: matches every node.
  Filter();

  /// Parses an expression; a blank one gives the empty filter. Throws FilterError, also
  /// when the canonical text would be longer than kMaxLength.
  static Filter parse(std::string_view expression);

  /// Whether the node matches. Never throws.
  bool matches(const NodeView& node) const noexcept;

  bool empty() const { return root_ == nullptr; }

  /// Canonical text: parses back to a filter with the same meaning; "" when empty.
  const std::string& text() const { return text_; }

 private:
  Filter(std::shared_ptr<const Expression> root, std::string text);

  std::shared_ptr<const Expression> root_;
  std::string text_;
};

/// A fact comparison as a person wrote it with a bare fact name (not fact(NAME)).
struct FactUse {
  std::string_view name;
  std::string_view op;     // as written: "=", "==", ">=", "=~", ...
  std::string_view value;  // as written, quotes and slashes included
};

/// Returns why the client refuses `use`, or "" to accept it.
using FactCheck = std::function<std::string(const FactUse& use)>;

/// Builds one canonical expression from the CLI's flags, every value ANDed:
/// -F facts ("region=eu-west-1", "cpus>=4"; exactly one comparison each),
/// -C classes and -I identities ("role::web" exact or "/regex/"), -A agents (same),
/// -S compound expressions. Returns "" when there is nothing to filter on.
/// Applies what the client refuses (above) and `check` to each bare fact name of -F
/// and -S (drover rpc refuses the inputs of the action it calls).
/// Throws FilterError naming the flag and value, e.g. "-F 'region': expected an
/// operator ..."; its position() is the offset within that value.
std::string combine(const std::vector<std::string>& facts, const std::vector<std::string>& classes,
                    const std::vector<std::string>& agents,
                    const std::vector<std::string>& identities,
                    const std::vector<std::string>& compound, const FactCheck& check = {});

}  // namespace drover::filter
