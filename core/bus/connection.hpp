#pragma once
// One process's attachment to the broker: a PUB socket connected to the broker's
// ingress (XSUB) and a SUB socket connected to its egress (XPUB).
//
// Thread ownership: a Connection and its sockets belong to the thread that created
// it; ZeroMQ sockets are not thread safe. Other threads hand work to that thread
// through an inproc socket (see node::Daemon).
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "core/bus/curve.hpp"

namespace drover::bus {

struct Endpoints {
  std::string publish = "tcp://127.0.0.1:7301";    // broker ingress
  std::string subscribe = "tcp://127.0.0.1:7302";  // broker egress
};

struct ConnectionOptions {
  int highWaterMark = 100000;        // messages queued per socket before ZeroMQ drops
  int reconnectMs = 100;             // first reconnect delay after the broker goes away
  int reconnectMaxMs = 2000;         // backoff ceiling
  int lingerMs = 1000;               // how long close() waits to flush outgoing messages
  bool monitorReconnects = false;    // report reconnections through takeReconnected()
  std::optional<CurveClient> curve;  // encrypt and authenticate to the broker
};

struct Message {
  std::string topic;  // without the delimiter
  std::string body;
};

class Connection {
 public:
  /// Connects both sockets (ZeroMQ connects lazily; the broker may start later).
  /// Throws zmq::error_t on a malformed endpoint.
  Connection(zmq::context_t& context, const Endpoints& endpoints,
             const ConnectionOptions& options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void subscribe(std::string_view topic);
  void unsubscribe(std::string_view topic);

  /// Publishes one message. Returns false if ZeroMQ could not queue it (HWM reached).
  bool publish(std::string_view topic, std::string_view body);

  /// Receives one message, waiting up to `timeout`; std::nullopt when none came.
  /// Frames without a delimited topic or with extra parts are dropped.
  std::optional<Message> receive(std::chrono::milliseconds timeout);
  /// Non-blocking variant used by poll loops.
  std::optional<Message> tryReceive();

  /// Waits until a message published now on a private topic comes back through
  /// the broker: after that, every earlier subscription is live and our publishes
  /// reach the broker (ZeroMQ would otherwise drop them silently while the
  /// connection handshakes). Returns false if the broker did not answer in time.
  bool waitReady(std::chrono::milliseconds timeout);

  /// True once per reconnection of the subscriber after the first connect (only
  /// with monitorReconnects); the caller re-announces itself.
  bool takeReconnected();

  zmq::socket_t& subscriber() { return sub_; }

 private:
  std::optional<Message> readSocket();

  zmq::socket_t pub_;
  zmq::socket_t sub_;
  std::optional<zmq::socket_t> monitor_;
  std::deque<Message> early_;  // messages that arrived while waitReady() probed
  int connects_ = 0;
  bool reconnected_ = false;
};

}  // namespace drover::bus
