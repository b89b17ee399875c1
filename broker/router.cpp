#include "broker/router.hpp"

#include <optional>

#include "core/bus/topics.hpp"
#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace drover::broker {
namespace {

std::string bindOne(zmq::socket_t& socket, const std::string& endpoint) {
  socket.bind(endpoint);
  return socket.get(zmq::sockopt::last_endpoint);
}

// Forwarding stops after this many messages per poll wake-up so subscription
// events and control requests are never starved by a reply storm.
constexpr int kBurst = 1024;

}  // namespace

Json RouterStats::toJson() const {
  return Json{{"messages_in", messagesIn}, {"bytes_in", bytesIn},   {"malformed", malformed},
              {"subscribes", subscribes},  {"unsubscribes", unsubscribes}, {"topics", topics},
              {"started_ms", startedMs},   {"uptime_ms", util::nowMs() - startedMs}};
}

Router::Router(zmq::context_t& context, const RouterOptions& options)
    : ingress_(context, zmq::socket_type::xsub), egress_(context, zmq::socket_type::xpub) {
  ingress_.set(zmq::sockopt::rcvhwm, options.highWaterMark);
  egress_.set(zmq::sockopt::sndhwm, options.highWaterMark);
  egress_.set(zmq::sockopt::xpub_verboser, 1);
  ingress_.set(zmq::sockopt::linger, 0);
  egress_.set(zmq::sockopt::linger, 0);
  for (const auto& endpoint : options.ingress) ingressBound_.push_back(bindOne(ingress_, endpoint));
  for (const auto& endpoint : options.egress) egressBound_.push_back(bindOne(egress_, endpoint));
  if (!options.control.empty()) {
    control_.emplace(context, zmq::socket_type::rep);
    control_->set(zmq::sockopt::linger, 0);
    controlBound_ = bindOne(*control_, options.control);
  }
  const unsigned char subscribeAll = 1;  // XSUB: a 0x01 byte and an empty prefix
  ingress_.send(zmq::buffer(&subscribeAll, 1), zmq::send_flags::none);
  stats_.startedMs = util::nowMs();
}

void Router::run(const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items{{ingress_.handle(), 0, ZMQ_POLLIN, 0},
                                     {egress_.handle(), 0, ZMQ_POLLIN, 0}};
  if (control_) items.push_back({control_->handle(), 0, ZMQ_POLLIN, 0});
  while (!stop.load()) {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(200));
    if (items[0].revents & ZMQ_POLLIN) forwardIngress();
    if (items[1].revents & ZMQ_POLLIN) readSubscriptions();
    if (control_ && (items[2].revents & ZMQ_POLLIN)) answerControl();
  }
}

void Router::forwardIngress() {
  for (int i = 0; i < kBurst; ++i) {
    zmq::message_t topic;
    if (!ingress_.recv(topic, zmq::recv_flags::dontwait)) return;
    if (!topic.more()) {
      ++stats_.malformed;
      continue;
    }
    zmq::message_t body;
    (void)ingress_.recv(body, zmq::recv_flags::none);
    if (body.more()) {  // more than two parts: drain and drop the whole message
      ++stats_.malformed;
      while (body.more()) (void)ingress_.recv(body, zmq::recv_flags::none);
      continue;
    }
    ++stats_.messagesIn;
    stats_.bytesIn += topic.size() + body.size();
    egress_.send(topic, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    egress_.send(body, zmq::send_flags::dontwait);
  }
}

void Router::readSubscriptions() {
  zmq::message_t event;
  while (egress_.recv(event, zmq::recv_flags::dontwait)) {
    if (event.size() == 0) continue;
    const auto* bytes = static_cast<const char*>(event.data());
    std::string topic(bytes + 1, event.size() - 1);
    if (bytes[0] == 1) {
      ++stats_.subscribes;
      ++subscriptions_[topic];
    } else if (bytes[0] == 0) {
      ++stats_.unsubscribes;
      auto it = subscriptions_.find(topic);
      if (it != subscriptions_.end() && --it->second == 0) subscriptions_.erase(it);
    }
  }
  stats_.topics = subscriptions_.size();
}

void Router::answerControl() {
  zmq::message_t request;
  if (!control_->recv(request, zmq::recv_flags::dontwait)) return;
  while (request.more()) (void)control_->recv(request, zmq::recv_flags::none);
  std::string reply = stats_.toJson().dump();
  control_->send(zmq::buffer(reply), zmq::send_flags::none);
}

}  // namespace drover::broker
