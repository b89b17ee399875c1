#include "bench/flood/flood_channel.hpp"

#include <stdexcept>

#include "core/bus/topics.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"

namespace drover::bench::flood {
namespace {

using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 5s;
constexpr auto kPollSlice = 100ms;  // longest single wait on the socket

}  // namespace

FloodChannel::FloodChannel(zmq::context_t& context, const bus::Endpoints& endpoints,
                           const RequestSealer& sealer, std::string collective)
    : connection_(context, endpoints),
      sealer_(sealer),
      collective_(std::move(collective)),
      replyTopic_(bus::replyTopic(collective_, "flood-bench-" + util::randomId())),
      sinkTopic_(bus::replyTopic(collective_, "flood-sink-" + util::randomId())) {
  connection_.subscribe(replyTopic_);
  if (!connection_.waitReady(kConnectTimeout)) {
    throw std::runtime_error("broker not reachable at " + endpoints.publish + " / " +
                             endpoints.subscribe);
  }
}

std::size_t FloodChannel::publish(const std::string& topic, const Burst& burst) {
  std::size_t refused = 0;
  for (std::size_t i = 0; i < burst.count; ++i) {
    if (!connection_.publish(topic, burst.bodies[i % burst.bodies.size()])) ++refused;
  }
  return refused;
}

std::string FloodChannel::request(const std::string& node, const std::string& action) {
  envelope::Envelope env;
  env.id = util::randomId();
  env.collective = collective_;
  env.agent = "rpcutil";
  env.action = action;
  env.ttl = 60;
  env.time = util::nowMs();
  env.replyTo = replyTopic_;
  std::string id = env.id;
  connection_.publish(bus::nodeTopic(collective_, node), sealer_.seal(std::move(env)));
  return id;
}

std::map<std::string, FloodChannel::Arrival> FloodChannel::awaitReplies(
    std::set<std::string> ids, std::chrono::milliseconds timeout) {
  std::map<std::string, Arrival> arrived;
  auto deadline = Clock::now() + timeout;
  while (!ids.empty() && Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto message = connection_.receive(std::min<std::chrono::milliseconds>(left, kPollSlice));
    if (!message) continue;
    auto at = Clock::now();
    try {
      envelope::Envelope reply = envelope::decode(message->body);
      std::string id = reply.requestId;
      if (ids.erase(id) == 0) continue;
      arrived.emplace(std::move(id), Arrival{at, std::move(reply)});
    } catch (const envelope::DecodeError&) {
      continue;  // not a reply we can read: not one of ours
    }
  }
  return arrived;
}

Json FloodChannel::call(const std::string& node, const std::string& action,
                        std::chrono::milliseconds timeout) {
  std::string id = request(node, action);
  auto replies = awaitReplies({id}, timeout);
  if (replies.empty()) {
    throw std::runtime_error("no reply from " + node + " to rpcutil " + action + " within " +
                             std::to_string(timeout.count()) + " ms (requests signed in the " +
                             std::string(toString(sealer_.layout())) + " layout)");
  }
  const envelope::Envelope& reply = replies.begin()->second.reply;
  if (!reply.status.ok()) {
    throw std::runtime_error(node + " refused rpcutil " + action + ": " + reply.status.message);
  }
  return reply.data;
}

}  // namespace drover::bench::flood
