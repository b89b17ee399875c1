// The client's rules (filter.hpp, "What the client refuses"), checked while a Parser
// built with ClientRules reads what a person typed. Nodes parse without them.
#include "core/filter/notation.hpp"
#include "core/filter/parser.hpp"

namespace drover::filter {

std::string equalsInName(NameMatch::Target target, std::string_view name) {
  const char* what = target == NameMatch::Target::Identity ? "identities"
                     : target == NameMatch::Target::Class  ? "class names"
                                                           : "agent names";
  const auto written = std::string(name);
  return std::string(what) + " cannot contain '=': for an action input, give " + written +
         " after the action without a flag; for a fact filter, use -F '" + written + "'";
}

// An ordering comparison with a number the language reads as text (010, 0x1F) would
// compare strings and select nearly every node; a quoted value says text is meant.
void Parser::checkNotation(const FactName& fact, std::string_view op, const std::string& value,
                           std::size_t at) {
  const auto plain = plainDecimalFor(value);
  if (!plain) return;
  const auto left = fact.shown() + std::string(op);
  refuse(at, "'" + value + "' is not a plain decimal number, so '" + std::string(op) +
                 "' would compare it as text; write " +
                 (plain->empty() ? "the number in plain decimal digits (like 1000 or 2.5)"
                                 : left + *plain) +
                 " to compare numbers, or " + left + "\"" + value + "\" to compare text");
}

void Parser::checkFactName(const FactName& fact, std::string_view op, std::size_t valueAt) {
  if (fact.explicitForm || !client_->factCheck) return;
  const auto written = text_.substr(valueAt, scan_.position() - valueAt);
  const auto why = client_->factCheck(FactUse{fact.name, op, written});
  if (!why.empty()) refuse(fact.at, why);
}

void Parser::refuse(std::size_t at, const std::string& detail) {
  refused_ = true;
  fail(at, detail);
}

}  // namespace drover::filter
