#include "core/policy/policy.hpp"

#include <algorithm>

#include <re2/re2.h>

namespace drover::policy {
namespace {

// Caller patterns come from local files, but keep them as cheap as filter regexes.
constexpr int64_t kRegexMaxMemory = 1 << 20;

std::string joinLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) joined += (joined.empty() ? "" : "\n") + line;
  return joined;
}

bool isRegex(const std::string& text) {
  return text.size() >= 2 && text.front() == '/' && text.back() == '/';
}

std::shared_ptr<const re2::RE2> compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMemory);
  auto regex = std::make_shared<const re2::RE2>(pattern, options);
  if (!regex->ok()) throw std::invalid_argument("invalid regex: " + regex->error());
  return regex;
}

bool anyOrListed(const std::vector<std::string>& list, const std::string& item) {
  return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
}

std::string ruleReason(const Policy& policy, const Rule& rule) {
  return std::string(toString(rule.effect)) + " by rule " + std::to_string(rule.index) + " at " +
         policy.file + ":" + std::to_string(rule.line);
}

}  // namespace

std::string_view toString(Effect effect) { return effect == Effect::Allow ? "allow" : "deny"; }

PolicyError::PolicyError(std::vector<std::string> problems)
    : std::runtime_error(joinLines(problems)), problems_(std::move(problems)) {}

CallerPattern::CallerPattern(std::string text) : text_(std::move(text)) {}

CallerPattern CallerPattern::parse(const std::string& text) {
  CallerPattern pattern(text);
  if (text.empty()) throw std::invalid_argument("expected a caller name, /regex/ or \"*\"");
  if (text == "*") {
    pattern.any_ = true;
  } else if (isRegex(text)) {
    if (text.size() == 2) throw std::invalid_argument("empty regex '//'");
    pattern.regex_ = compile(text.substr(1, text.size() - 2));
  } else if (text.find_first_of("*?[") != std::string::npos) {
    throw std::invalid_argument("'" + text + "' looks like a glob; write a /regex/ instead");
  }
  return pattern;
}

bool CallerPattern::matches(const std::string& name) const noexcept {
  if (any_) return true;
  if (regex_) return RE2::PartialMatch(name, *regex_);
  return name == text_;
}

bool Rule::matches(const Caller& caller, const std::string& action,
                   const filter::NodeView& node) const noexcept {
  const auto callerMatches = [&](const CallerPattern& p) { return p.matches(caller.name); };
  return std::any_of(callers.begin(), callers.end(), callerMatches) &&
         anyOrListed(roles, caller.role) && anyOrListed(actions, action) && where.matches(node);
}

Decision Policy::decide(const Caller& caller, const std::string& action,
                        const filter::NodeView& node) const {
  for (const auto& rule : rules) {
    if (rule.matches(caller, action, node)) {
      return {rule.effect == Effect::Allow, ruleReason(*this, rule)};
    }
  }
  return {fallback == Effect::Allow,
          "default " + std::string(toString(fallback)) + " of " + file + ": no rule matched"};
}

}  // namespace drover::policy
