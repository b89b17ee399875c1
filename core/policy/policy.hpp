#pragma once
// Authorization policies (DESIGN.md, "Security"), in the spirit of MCollective's
// actionpolicy: one YAML file per agent, `<policy_dir>/<agent>.yaml`, holding a default
// and an ordered list of allow/deny rules. The first rule that matches the request
// decides; when none matches the file's default decides. The file format, with examples,
// is documented in etc/policies/README.md; core/policy/policy_loader.hpp reads it.
//
// A rule matches when every condition it states holds:
//   callers  the caller's certificate name is one of the entries: an exact name, a
//            /regex/ (RE2, partial match: anchor with ^ and $) or "*" for anyone;
//   roles    (optional) the caller's role is one of the listed roles;
//   actions  the requested action is one of the listed names, or "*" for any;
//   where    (optional) the node matches this filter expression (core/filter: facts,
//            classes, agents, identity). A comparison on a fact the node lacks is false.
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/filter/filter.hpp"

namespace re2 {
class RE2;
}

namespace drover::policy {

/// The roles a certificate of the collective carries (core/security assigns them).
inline constexpr std::string_view kRoleAdmin = "admin";
inline constexpr std::string_view kRoleNode = "node";
inline constexpr std::string_view kRoleProvisioner = "provisioner";
inline constexpr std::array<std::string_view, 3> kRoles = {kRoleAdmin, kRoleNode, kRoleProvisioner};

/// Who sends a request: the principal the security layer verified before authorization
/// runs (certificate chain and signature). `name` is the certificate's name (its subject
/// CN, the envelope's `sender`), e.g. "alice.admin", "prov1.provisioner" or a node's
/// identity; `role` is what the certificate was issued for: "admin", "node" or
/// "provisioner". Policies only compare these strings: they never authenticate.
struct Caller {
  std::string name;
  std::string role;
};

/// The outcome of authorizing one request. `reason` names what decided it (the rule, its
/// file and line, or the default that applied) for logs and the audit trail; it is not
/// meant for the caller, who is only told the request was refused.
struct Decision {
  bool allowed = false;
  std::string reason;
};

enum class Effect { Allow, Deny };

/// "allow" or "deny".
std::string_view toString(Effect effect);

/// A policy (or a directory of them) that cannot be loaded. Each problem is one line,
/// "file:line:column: key 'callers' in rule 2: ...", and what() lists them all.
class PolicyError : public std::runtime_error {
 public:
  explicit PolicyError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// One entry of a rule's `callers`: "*", an exact certificate name or a /regex/.
/// Immutable and safe to share between threads.
class CallerPattern {
 public:
  /// Throws std::invalid_argument saying what is wrong with `text`: empty, a bad regex,
  /// or a glob such as "admin.*" (globs would silently match nobody; use /regex/).
  static CallerPattern parse(const std::string& text);

  bool matches(const std::string& name) const noexcept;
  const std::string& text() const { return text_; }

 private:
  explicit CallerPattern(std::string text);

  std::string text_;
  std::shared_ptr<const re2::RE2> regex_;  // set for /regex/
  bool any_ = false;                       // "*"
};

/// One allow or deny rule. Empty `roles` or `actions` stand for any ("*" or left out).
struct Rule {
  Effect effect = Effect::Deny;
  int index = 0;  // 1-based position in the file's `rules`
  int line = 0;   // 1-based line where the rule starts
  std::vector<CallerPattern> callers;
  std::vector<std::string> roles;
  std::vector<std::string> actions;
  filter::Filter where;  // empty: every node

  bool matches(const Caller& caller, const std::string& action,
               const filter::NodeView& node) const noexcept;
};

/// The policy of one agent, as loaded from one file.
struct Policy {
  std::string agent;
  std::string file;                // path as it was loaded, for reasons and messages
  Effect fallback = Effect::Deny;  // the file's `default`
  std::vector<Rule> rules;

  /// The first matching rule's effect, else the default. Never throws (but bad_alloc).
  Decision decide(const Caller& caller, const std::string& action,
                  const filter::NodeView& node) const;
};

}  // namespace drover::policy
