#include "core/filter/expression.hpp"

#include <algorithm>

#include "core/filter/literal.hpp"

namespace drover::filter {
namespace {

// Patterns and their DFA caches stay small: a filter may carry many of them and
// every node compiles each one.
constexpr int64_t kRegexMaxMemory = 1 << 20;

void printOpen(std::string& out, bool wrap) {
  if (wrap) out += '(';
}

void printClose(std::string& out, bool wrap) {
  if (wrap) out += ')';
}

std::string_view targetName(NameMatch::Target target) {
  switch (target) {
    case NameMatch::Target::Class: return "class";
    case NameMatch::Target::Agent: return "agent";
    case NameMatch::Target::Identity: return "identity";
  }
  return "class";
}

}  // namespace

ExpressionPtr Junction::make(Kind kind, std::vector<ExpressionPtr> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  std::vector<ExpressionPtr> flat;
  for (auto& operand : operands) {
    auto* nested = dynamic_cast<Junction*>(operand.get());
    if (nested != nullptr && nested->kind_ == kind) {
      std::move(nested->operands_.begin(), nested->operands_.end(), std::back_inserter(flat));
    } else {
      flat.push_back(std::move(operand));
    }
  }
  return ExpressionPtr(new Junction(kind, std::move(flat)));
}

Junction::Junction(Kind kind, std::vector<ExpressionPtr> operands)
    : kind_(kind), operands_(std::move(operands)) {}

bool Junction::matches(const NodeView& node) const noexcept {
  const auto test = [&node](const ExpressionPtr& operand) { return operand->matches(node); };
  if (kind_ == Kind::All) return std::all_of(operands_.begin(), operands_.end(), test);
  return std::any_of(operands_.begin(), operands_.end(), test);
}

void Junction::print(std::string& out, Precedence parent) const {
  const auto own = kind_ == Kind::All ? Precedence::And : Precedence::Or;
  const bool wrap = parent > own;
  printOpen(out, wrap);
  for (std::size_t i = 0; i < operands_.size(); ++i) {
    if (i > 0) out += kind_ == Kind::All ? " and " : " or ";
    // make() flattened same-kind operands, so only a weaker one gets parentheses.
    operands_[i]->print(out, own);
  }
  printClose(out, wrap);
}

bool Negation::matches(const NodeView& node) const noexcept { return !operand_->matches(node); }

void Negation::print(std::string& out, Precedence parent) const {
  const bool wrap = parent > Precedence::Not;
  printOpen(out, wrap);
  out += "not ";
  operand_->print(out, Precedence::Not);
  printClose(out, wrap);
}

bool NameMatch::matches(const NodeView& node) const noexcept {
  const auto test = [this](const std::string& name) { return this->test(name); };
  switch (target_) {
    case Target::Class: return std::any_of(node.classes.begin(), node.classes.end(), test);
    case Target::Agent: return std::any_of(node.agents.begin(), node.agents.end(), test);
    case Target::Identity:
      return test(node.identity) || std::any_of(node.names.begin(), node.names.end(), test);
  }
  return false;
}

void NameMatch::print(std::string& out, Precedence /*parent*/) const {
  out += targetName(target_);
  out += '(';
  out += regex_ ? regexLiteral(regex_->pattern()) : quoteValue(name_);
  out += ')';
}

bool NameMatch::test(std::string_view candidate) const noexcept {
  if (regex_) return RE2::PartialMatch(candidate, *regex_);
  return candidate == name_;
}

RegexPtr compileRegex(std::string_view pattern, std::string& error) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMemory);
  auto regex =
      std::make_unique<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (regex->ok()) return regex;
  error = regex->error();
  return nullptr;
}

}  // namespace drover::filter
