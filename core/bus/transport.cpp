#include "core/bus/transport.hpp"

#include "core/bus/nats_connection.hpp"
#include "core/bus/zmq_connection.hpp"
#include "core/util/clock.hpp"

namespace drover::bus {

std::string_view nameOf(TransportKind kind) { return kind == TransportKind::Nats ? "nats" : "zmq"; }

std::optional<TransportKind> transportNamed(std::string_view name) {
  if (name == "zmq") return TransportKind::Zmq;
  if (name == "nats") return TransportKind::Nats;
  return std::nullopt;
}

std::string Endpoints::describe() const {
  if (transport == TransportKind::Zmq) return "broker " + subscribe;
  std::string text = "NATS ";
  for (std::size_t i = 0; i < nats.servers.size(); ++i) {
    text += (i == 0 ? "" : ", ") + nats.servers[i];
  }
  return text;
}

std::optional<Message> Transport::receive(std::chrono::milliseconds timeout) {
  auto deadline = util::SteadyClock::now() + timeout;
  for (;;) {
    if (auto message = tryReceive()) return message;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - util::SteadyClock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t item = readable();
    zmq::poll(&item, 1, left);
  }
}

std::unique_ptr<Transport> connect(zmq::context_t& context, const Endpoints& endpoints,
                                   const ConnectionOptions& options) {
  if (endpoints.transport == TransportKind::Nats) {
    return std::make_unique<NatsConnection>(endpoints, options);
  }
  return std::make_unique<ZmqConnection>(context, endpoints, options);
}

}  // namespace drover::bus
