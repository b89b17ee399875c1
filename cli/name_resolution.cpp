#include "cli/name_resolution.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/log/log.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {
namespace {

// "node-3 and node-7", "a, b and c"
std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " and " : ", ";
    text += names[i];
  }
  return text;
}

std::vector<std::string> claimersOf(const std::string& value,
                                    const std::vector<rpc::NodeReply>& replies) {
  std::set<std::string> claimers;
  for (const auto& reply : replies) {
    auto claims = rpc::claimsOf(reply);
    if (std::find(claims.begin(), claims.end(), value) != claims.end()) {
      claimers.insert(reply.sender);
    }
  }
  return {claimers.begin(), claimers.end()};
}

}  // namespace

Resolution resolveClaims(const std::vector<std::string>& values,
                         const std::vector<rpc::NodeReply>& replies) {
  Resolution resolution;
  std::set<std::string> seen;
  auto add = [&](const std::string& node) {
    if (seen.insert(node).second) resolution.nodes.push_back(node);
  };
  for (const auto& value : values) {
    std::vector<std::string> claimers = claimersOf(value, replies);
    if (claimers.empty()) add(value);
    for (const auto& node : claimers) add(node);
    if (claimers.size() > 1) {
      resolution.conflicts.push_back("-I " + value + " is claimed by " + listed(claimers) +
                                     (claimers.size() == 2 ? "; calling both" : "; calling all"));
    }
  }
  return resolution;
}

std::vector<std::string> resolveIdentities(Context& context,
                                           const std::vector<std::string>& values) {
  rpc::CallResult found = context.client().call(rpc::discovery(context.filterExpression(), "")
                                                    .expect(values)
                                                    .quiet(context.quiet())
                                                    .timeout(context.timeout())
                                                    .build());
  Resolution resolution = resolveClaims(values, found.replies);
  for (const auto& conflict : resolution.conflicts) {
    std::fprintf(stderr, "drover: warning: %s\n", conflict.c_str());
  }
  log::get("drover.cli")
      ->debug("-I: {} value(s) name {} node(s), {} value(s) unclaimed", values.size(),
              resolution.nodes.size() - found.noReply.size(), found.noReply.size());
  return resolution.nodes;
}

}  // namespace drover::cli
