#include "core/bus/zmq_connection.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <zmq_addon.hpp>

#include "core/bus/topics.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"

namespace drover::bus {
namespace {

void applyCommon(zmq::socket_t& socket, const ConnectionOptions& options) {
  socket.set(zmq::sockopt::linger, options.lingerMs);
  socket.set(zmq::sockopt::reconnect_ivl, options.reconnectMs);
  socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnectMaxMs);
  // A dead server is found by the kernel, which wakes no process for it: it probes an
  // idle connection (keepalive; the server's kernel answers) and gives up on data left
  // unacknowledged (TCP_USER_TIMEOUT). ZMTP heartbeats did the same from the I/O
  // threads of both ends, waking a thousand idle nodes and their broker every interval.
  const int seconds = std::max(1, options.heartbeatMs / 1000);
  socket.set(zmq::sockopt::tcp_keepalive, 1);
  socket.set(zmq::sockopt::tcp_keepalive_idle, seconds);
  socket.set(zmq::sockopt::tcp_keepalive_intvl, seconds);
  socket.set(zmq::sockopt::tcp_keepalive_cnt, 3);
  socket.set(zmq::sockopt::tcp_maxrt, 3 * options.heartbeatMs);
  if (options.curve) {
    socket.set(zmq::sockopt::curve_serverkey, options.curve->serverKey);
    socket.set(zmq::sockopt::curve_publickey, options.curve->keys.publicKey);
    socket.set(zmq::sockopt::curve_secretkey, options.curve->keys.secretKey);
  }
}

}  // namespace

ZmqConnection::ZmqConnection(zmq::context_t& context, const Endpoints& endpoints,
                             const ConnectionOptions& options)
    : pub_(context, zmq::socket_type::pub),
      sub_(context, zmq::socket_type::sub),
      subscribeEndpoint_(endpoints.subscribe) {
  applyCommon(pub_, options);
  applyCommon(sub_, options);
  pub_.set(zmq::sockopt::sndhwm, options.highWaterMark);
  sub_.set(zmq::sockopt::rcvhwm, options.highWaterMark);
  if (options.monitorReconnects) {
    std::string address = "inproc://drover-monitor-" + util::randomId();
    zmq_socket_monitor(sub_.handle(), address.c_str(), ZMQ_EVENT_CONNECTED);
    monitor_.emplace(context, zmq::socket_type::pair);
    monitor_->connect(address);
  }
  pub_.connect(endpoints.publish);
  sub_.connect(endpoints.subscribe);
}

ZmqConnection::~ZmqConnection() = default;

void ZmqConnection::subscribe(std::string_view topic) {
  sub_.set(zmq::sockopt::subscribe, wireTopic(topic));
}

void ZmqConnection::unsubscribe(std::string_view topic) {
  sub_.set(zmq::sockopt::unsubscribe, wireTopic(topic));
}

bool ZmqConnection::publish(std::string_view topic, std::string_view body) {
  std::string wire = wireTopic(topic);
  if (!pub_.send(zmq::buffer(wire), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
    return false;
  }
  // Once the first part is queued the second cannot be refused.
  pub_.send(zmq::buffer(body.data(), body.size()), zmq::send_flags::dontwait);
  return true;
}

std::optional<Message> ZmqConnection::tryReceive() {
  if (!early_.empty()) {
    Message message = std::move(early_.front());
    early_.pop_front();
    return message;
  }
  return readSocket();
}

std::optional<Message> ZmqConnection::readSocket() {
  zmq::message_t topic;
  if (!sub_.recv(topic, zmq::recv_flags::dontwait)) return std::nullopt;
  zmq::message_t body;
  std::size_t parts = 1;
  bool more = topic.more();
  while (more) {  // read every part so a malformed message cannot desynchronise us
    zmq::message_t part;
    (void)sub_.recv(part, zmq::recv_flags::none);
    if (++parts == 2) body = std::move(part);
    more = (parts == 2 ? body.more() : part.more());
  }
  if (parts != 2) return Message{};  // wrong frame count: dropped (empty topic)
  return Message{std::string(topicOf(topic.to_string_view())), body.to_string()};
}

zmq::pollitem_t ZmqConnection::readable() { return {sub_.handle(), 0, ZMQ_POLLIN, 0}; }

bool ZmqConnection::waitReady(std::chrono::milliseconds timeout) {
  std::string probe = "drover.probe." + util::randomId();
  subscribe(probe);
  auto deadline = util::SteadyClock::now() + timeout;
  bool ready = false;
  while (!ready && util::SteadyClock::now() < deadline) {
    publish(probe, "probe");
    zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(25));
    while (auto message = readSocket()) {
      if (message->topic == probe) {
        ready = true;
        break;
      }
      if (!message->topic.empty()) early_.push_back(std::move(*message));
    }
  }
  unsubscribe(probe);
  return ready;
}

std::optional<zmq::pollitem_t> ZmqConnection::reconnects() {
  if (!monitor_) return std::nullopt;
  return zmq::pollitem_t{monitor_->handle(), 0, ZMQ_POLLIN, 0};
}

bool ZmqConnection::takeReconnected() {
  if (!monitor_) return false;
  std::array<zmq::message_t, 2> parts;
  while (auto got = zmq::recv_multipart_n(*monitor_, parts.data(), parts.size(),
                                          zmq::recv_flags::dontwait)) {
    if (*got >= 1 && parts[0].size() >= sizeof(std::uint16_t)) {
      std::uint16_t event = 0;
      std::memcpy(&event, parts[0].data(), sizeof(event));
      if (event == ZMQ_EVENT_CONNECTED && ++connects_ > 1) reconnected_ = true;
    }
  }
  bool result = reconnected_;
  reconnected_ = false;
  return result;
}

}  // namespace drover::bus
