#pragma once
// The parsed form of a filter: a tree of immutable nodes, each able to test a node
// and to print itself back as canonical filter text.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/filter/filter.hpp"

namespace drover::filter {

/// Binding strength, weakest first; a node prints parentheses when its parent binds
/// tighter than it does.
enum class Precedence { Or, And, Not, Atom };

class Expression {
 public:
  virtual ~Expression() = default;
  virtual bool matches(const NodeView& node) const noexcept = 0;
  virtual void print(std::string& out, Precedence parent) const = 0;
};

using ExpressionPtr = std::unique_ptr<Expression>;
using RegexPtr = std::unique_ptr<const RE2>;

/// `a and b and ...` or `a or b or ...`, kept flat so long chains do not nest.
class Junction : public Expression {
 public:
  enum class Kind { All, Any };

  /// Returns the single operand itself, or a junction with nested junctions of the
  /// same kind spliced in.
  static ExpressionPtr make(Kind kind, std::vector<ExpressionPtr> operands);

  bool matches(const NodeView& node) const noexcept override;
  void print(std::string& out, Precedence parent) const override;

 private:
  Junction(Kind kind, std::vector<ExpressionPtr> operands);

  Kind kind_;
  std::vector<ExpressionPtr> operands_;
};

class Negation : public Expression {
 public:
  explicit Negation(ExpressionPtr operand) : operand_(std::move(operand)) {}
  bool matches(const NodeView& node) const noexcept override;
  void print(std::string& out, Precedence parent) const override;

 private:
  ExpressionPtr operand_;
};

/// class(...), agent(...) or identity(...): an exact name or a regex.
class NameMatch : public Expression {
 public:
  enum class Target { Class, Agent, Identity };

  NameMatch(Target target, std::string name) : target_(target), name_(std::move(name)) {}
  NameMatch(Target target, RegexPtr regex) : target_(target), regex_(std::move(regex)) {}

  bool matches(const NodeView& node) const noexcept override;
  void print(std::string& out, Precedence parent) const override;

 private:
  bool test(std::string_view candidate) const noexcept;

  Target target_;
  std::string name_;
  RegexPtr regex_;  // null for an exact name
};

/// Compiles a pattern for matching untrusted input, or returns null and sets `error`.
RegexPtr compileRegex(std::string_view pattern, std::string& error);

}  // namespace drover::filter
