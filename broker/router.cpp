#include "broker/router.hpp"

#include <cerrno>
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
              {"peers_accepted", peersAccepted}, {"peers_refused", peersRefused},
              {"started_ms", startedMs},   {"uptime_ms", util::nowMs() - startedMs}};
}

namespace {

void serveCurve(zmq::socket_t& socket, const bus::CurveKeys& keys) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, keys.secretKey);
}

}  // namespace

Router::Router(zmq::context_t& context, const RouterOptions& options)
    : ingress_(context, zmq::socket_type::xsub),
      egress_(context, zmq::socket_type::xpub),
      allowedClients_(options.allowedClients) {
  if (options.curve) {
    // The handler must be bound before any CURVE socket accepts a peer.
    zap_.emplace(context, zmq::socket_type::rep);
    zap_->bind("inproc://zeromq.zap.01");
    serveCurve(ingress_, *options.curve);
    serveCurve(egress_, *options.curve);
  }
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
    if (options.curve) serveCurve(*control_, *options.curve);
    controlBound_ = bindOne(*control_, options.control);
  }
  const unsigned char subscribeAll = 1;  // XSUB: a 0x01 byte and an empty prefix
  ingress_.send(zmq::buffer(&subscribeAll, 1), zmq::send_flags::none);
  stats_.startedMs = util::nowMs();
}

void Router::run(const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items{{ingress_.handle(), 0, ZMQ_POLLIN, 0},
                                     {egress_.handle(), 0, ZMQ_POLLIN, 0}};
  std::size_t controlAt = items.size();
  if (control_) items.push_back({control_->handle(), 0, ZMQ_POLLIN, 0});
  std::size_t zapAt = items.size();
  if (zap_) items.push_back({zap_->handle(), 0, ZMQ_POLLIN, 0});
  while (!stop.load()) {
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(200));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // SIGTERM/SIGINT woke the poll: look at `stop`
      throw;
    }
    if (items[0].revents & ZMQ_POLLIN) forwardIngress();
    if (items[1].revents & ZMQ_POLLIN) readSubscriptions();
    if (control_ && (items[controlAt].revents & ZMQ_POLLIN)) answerControl();
    if (zap_ && (items[zapAt].revents & ZMQ_POLLIN)) answerZap();
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

// ZAP (ZeroMQ RFC 27): frames version, request id, domain, address, identity,
// mechanism, then for CURVE the client's 32-byte public key.
void Router::answerZap() {
  std::vector<zmq::message_t> frames;
  for (bool more = true; more;) {
    zmq::message_t frame;
    if (!zap_->recv(frame, zmq::recv_flags::dontwait)) return;
    more = frame.more();
    frames.push_back(std::move(frame));
  }
  bool allowed = false;
  std::string clientKey;
  if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
    char z85[41] = {};
    zmq_z85_encode(z85, static_cast<const std::uint8_t*>(frames[6].data()), 32);
    clientKey = z85;
    allowed = allowedClients_.empty() || allowedClients_.count(clientKey) > 0;
  }
  allowed ? ++stats_.peersAccepted : ++stats_.peersRefused;
  if (!allowed) {
    log::get("drover.broker")->warn("refused peer address={} key={}: not in the allowed keys",
                                    frames.size() > 3 ? frames[3].to_string() : "?", clientKey);
  }
  std::string requestId = frames.size() > 1 ? frames[1].to_string() : "";
  zap_->send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(requestId), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(std::string(allowed ? "200" : "400")), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(std::string(allowed ? "OK" : "key not allowed")), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(clientKey), zmq::send_flags::sndmore);
  zap_->send(zmq::str_buffer(""), zmq::send_flags::none);
}

}  // namespace drover::broker

