#include "provisioner/bus_executor.hpp"

#include <algorithm>

#include "core/rpc/call_builder.hpp"
namespace drover::provisioner {

rpc::Client& BusExecutor::client() {
  auto id = std::this_thread::get_id();
  {
    std::lock_guard lock(mutex_);
    auto it = clients_.find(id);
    if (it != clients_.end()) return *it->second;
  }
  auto made = makeClient_();  // connects: not under the lock
  std::lock_guard lock(mutex_);
  return *clients_.emplace(id, std::move(made)).first->second;
}

std::vector<CallReply> BusExecutor::call(const CallRequest& request) {
  std::vector<CallReply> out;
  for (const auto& node : request.nodes)
    out.push_back(CallReply{node, false, {}, Json::object(), "", false});
  try {
    rpc::CallResult result = client().call(rpc::request(request.agent, request.action)
                                               .args(request.args)
                                               .nodes(request.nodes)
                                               .timeout(request.timeout)
                                               .acceptUnsigned(request.acceptUnsigned)
                                               .build());
    for (auto& reply : out) reply.requestId = result.requestId;
    for (auto& reply : result.replies) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const CallReply& r) { return r.node == reply.sender; });
      if (it == out.end()) continue;
      it->replied = true;
      it->verified = reply.verified;
      it->timing = reply.timing;
      it->status = std::move(reply.status);
      it->data = reply.data.is_object() ? std::move(reply.data) : Json::object();
    }
    for (auto& reply : out) {
      if (!reply.replied) {
        reply.status.message = "no reply within " + std::to_string(request.timeout.count()) + " ms";
      }
    }
  } catch (const std::exception& e) {
    for (auto& reply : out) reply.status.message = std::string("not sent: ") + e.what();
  }
  return out;
}

std::size_t BusExecutor::broadcast(const CallRequest& request) {
  try {
    rpc::CallResult result = client().call(rpc::request(request.agent, request.action)
                                               .args(request.args)
                                               .timeout(request.timeout)
                                               .build());
    return result.replies.size();
  } catch (const std::exception&) {
    return 0;  // the nodes catch up by their registrations' hosts_version
  }
}

}  // namespace drover::provisioner
