#pragma once
// The benchmark's one attachment to the broker. Garbage and the signed requests that
// follow it leave through the same PUB socket, and ZeroMQ keeps one connection's
// messages in order through the broker to each subscriber: a request sent after a
// burst reaches the node after every message of the burst, so its reply times how
// long the node took to get through the burst, and nothing else.
//
// Thread ownership: the thread that created it (it owns ZeroMQ sockets).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bench/flood/garbage.hpp"
#include "bench/flood/request_sealer.hpp"
#include "core/bus/zmq_connection.hpp"
#include "core/envelope/envelope.hpp"

namespace drover::bench::flood {

class FloodChannel {
 public:
  using Clock = std::chrono::steady_clock;

  struct Arrival {
    Clock::time_point at;
    envelope::Envelope reply;
  };

  /// Connects and waits until the broker forwards what we publish. Throws
  /// std::runtime_error when the broker does not answer within 5 s.
  FloodChannel(zmq::context_t& context, const bus::Endpoints& endpoints,
               const RequestSealer& sealer, std::string collective);

  /// Publishes every message of `burst` on `topic` as fast as ZeroMQ queues them.
  /// Returns how many ZeroMQ refused to queue (its high-water mark).
  std::size_t publish(const std::string& topic, const Burst& burst);

  /// Sends a signed rpcutil `action` to `node`'s own topic; returns the request id.
  std::string request(const std::string& node, const std::string& action);

  /// Waits until every request in `ids` is answered or `timeout` passes; returns the
  /// replies that came. Replies to anything else are skipped.
  std::map<std::string, Arrival> awaitReplies(std::set<std::string> ids,
                                              std::chrono::milliseconds timeout);

  /// request() and its reply's data. Throws std::runtime_error naming the node and
  /// the action when no reply comes within `timeout`.
  Json call(const std::string& node, const std::string& action, std::chrono::milliseconds timeout);

  /// Where garbage asks its replies to go: a reply topic nobody subscribes to.
  const std::string& sinkTopic() const { return sinkTopic_; }

 private:
  bus::ZmqConnection connection_;
  const RequestSealer& sealer_;
  std::string collective_;
  std::string replyTopic_;  // ours: the signed requests' replies
  std::string sinkTopic_;
};

}  // namespace drover::bench::flood
