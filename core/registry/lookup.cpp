#include "core/registry/lookup.hpp"

#include <algorithm>

#include "core/rpc/call_builder.hpp"

namespace drover::registry {
namespace {

// A registry's answer spans pages only past kPageBytes of identities; this many pages
// is far more than any fleet (and stops a registry that keeps saying "more").
constexpr int kMaxPages = 1000;

void readPage(const rpc::NodeReply& reply, Lookup& lookup, std::string& next) {
  const std::string from = "registry " + reply.sender;
  if (!reply.status.ok()) {
    throw LookupError(from + " refused: " + reply.status.message);
  }
  try {
    const Json& data = reply.data;
    for (const auto& node : data.at("nodes")) lookup.nodes.push_back(node.get<std::string>());
    for (const auto& node : data.at("stale")) {
      lookup.stale.push_back(
          {node.at("identity").get<std::string>(), node.at("last_seen_ms").get<std::int64_t>()});
    }
    lookup.known = data.at("known").get<std::size_t>();
    next = data.value("next", std::string());
  } catch (const Json::exception& e) {
    throw LookupError(from + " sent an answer that is not one: " + e.what());
  }
}

}  // namespace

Lookup lookup(rpc::Client& client, const std::string& filter, const std::string& agent,
              std::chrono::milliseconds timeout) {
  Lookup result;
  Json args{{"filter", rpc::discoveryFilter(filter, agent)}};
  rpc::CallResult first = client.call(rpc::request(kAgent, "find")
                                          .args(args)
                                          .replier(security::Role::Provisioner)
                                          .enough(1)
                                          .timeout(timeout)
                                          .build());
  if (first.replies.empty()) {
    std::string why = "no registry answered within " + std::to_string(timeout.count()) +
                      " ms (a drover-provisioner keeps it; --dm broadcast asks the nodes instead)";
    if (!first.rejections.empty()) why += "; rejected: " + first.rejections.front();
    throw LookupError(why);
  }
  result.registry = first.replies.front().sender;
  std::string next;
  readPage(first.replies.front(), result, next);
  for (int page = 1; !next.empty(); ++page) {
    if (page >= kMaxPages) throw LookupError("registry " + result.registry + " never ended");
    args["after"] = next;
    rpc::CallResult more = client.call(rpc::request(kAgent, "find")
                                           .args(args)
                                           .nodes(std::vector<std::string>{result.registry})
                                           .replier(security::Role::Provisioner)
                                           .timeout(timeout)
                                           .build());
    if (more.replies.empty()) {
      throw LookupError("registry " + result.registry + " did not answer for the nodes after " +
                        next);
    }
    readPage(more.replies.front(), result, next);
  }
  std::sort(result.nodes.begin(), result.nodes.end());
  return result;
}

}  // namespace drover::registry
