#pragma once
// The ZeroMQ transport: one process's attachment to drover-broker, a PUB socket
// connected to the broker's ingress (XSUB) and a SUB socket connected to its egress
// (XPUB).
//
// Thread ownership: a ZmqConnection and its sockets belong to the thread that created
// it; ZeroMQ sockets are not thread safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "core/bus/transport.hpp"

namespace drover::bus {

class ZmqConnection final : public Transport {
 public:
  /// Connects both sockets (ZeroMQ connects lazily; the broker may start later).
  /// Throws zmq::error_t on a malformed endpoint.
  ZmqConnection(zmq::context_t& context, const Endpoints& endpoints,
                const ConnectionOptions& options = {});
  ~ZmqConnection() override;
  ZmqConnection(const ZmqConnection&) = delete;
  ZmqConnection& operator=(const ZmqConnection&) = delete;

  void subscribe(std::string_view topic) override;
  void unsubscribe(std::string_view topic) override;

  /// Returns false if ZeroMQ could not queue the message (HWM reached).
  bool publish(std::string_view topic, std::string_view body) override;

  /// Frames without a delimited topic or with extra parts come out with an empty topic.
  std::optional<Message> tryReceive() override;
  zmq::pollitem_t readable() override;

  /// Waits until a message published now on a private topic comes back through
  /// the broker: after that, every earlier subscription is live and our publishes
  /// reach the broker (ZeroMQ would otherwise drop them silently while the
  /// connection handshakes).
  bool waitReady(std::chrono::milliseconds timeout) override;

  bool takeReconnected() override;
  std::optional<zmq::pollitem_t> reconnects() override;
  /// Always 0: a SUB socket past its high-water mark drops without telling; the
  /// caller's expected set still names the nodes whose replies never came.
  std::uint64_t takeDropped() override { return 0; }
  std::string describe() const override { return "broker " + subscribeEndpoint_; }

  zmq::socket_t& subscriber() { return sub_; }

 private:
  std::optional<Message> readSocket();

  zmq::socket_t pub_;
  zmq::socket_t sub_;
  std::optional<zmq::socket_t> monitor_;
  std::deque<Message> early_;  // messages that arrived while waitReady() probed
  std::string subscribeEndpoint_;
  int connects_ = 0;
  bool reconnected_ = false;
};

}  // namespace drover::bus
