#include "core/policy/authorizer.hpp"

#include <algorithm>

namespace drover::policy {
namespace {

constexpr std::string_view kRpcutil = "rpcutil";

bool isRpcutilRead(const std::string& agent, const std::string& action) {
  return agent == kRpcutil &&
         std::find(kRpcutilReadOnlyActions.begin(), kRpcutilReadOnlyActions.end(), action) !=
             kRpcutilReadOnlyActions.end();
}

Decision builtinDefault(const std::string& agent, const std::string& action) {
  if (isRpcutilRead(agent, action)) {
    return {true, "default allow: rpcutil " + action +
                      " is read-only and there is no policy for agent rpcutil"};
  }
  return {false, "default deny: no policy for agent " + agent};
}

}  // namespace

Authorizer::Authorizer() : policies_(std::make_shared<const PolicyMap>()) {}

Authorizer::Authorizer(std::filesystem::path directory)
    : directory_(std::move(directory)),
      policies_(std::make_shared<const PolicyMap>(loadPolicyDirectory(directory_))) {}

void Authorizer::reload() {
  if (directory_.empty()) return;
  auto fresh = std::make_shared<const PolicyMap>(loadPolicyDirectory(directory_));
  std::lock_guard lock(mutex_);
  policies_ = std::move(fresh);
}

std::shared_ptr<const PolicyMap> Authorizer::current() const {
  std::lock_guard lock(mutex_);
  return policies_;
}

Decision Authorizer::decide(const Caller& caller, const std::string& agent,
                            const std::string& action, const filter::NodeView& node) const {
  const auto policies = current();
  const auto it = policies->find(agent);
  if (it == policies->end()) return builtinDefault(agent, action);
  return it->second.decide(caller, action, node);
}

std::vector<std::string> Authorizer::agents() const {
  std::vector<std::string> names;
  for (const auto& [agent, policy] : *current()) names.push_back(agent);
  return names;
}

}  // namespace drover::policy
