#include "tests/integration/bus_listener.hpp"

#include <stdexcept>

namespace drover::integration {

BusListener::BusListener(const bus::Endpoints& endpoints, const std::vector<std::string>& topics)
    : connection_(bus::connect(context_, endpoints)) {
  for (const auto& topic : topics) connection_->subscribe(topic);
  if (!connection_->waitReady(std::chrono::seconds(5))) {
    throw std::runtime_error("listener: the bus is not reachable at " + endpoints.describe());
  }
}

std::optional<envelope::Envelope> BusListener::next(std::chrono::milliseconds timeout,
                                                    const Accept& accept) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto message = connection_->receive(left);
    if (!message) return std::nullopt;
    try {
      envelope::Envelope env = envelope::decode(message->body);
      if (!accept || accept(env)) return env;
    } catch (const envelope::DecodeError&) {
      // not an envelope (a readiness probe, say): keep listening
    }
  }
}

}  // namespace drover::integration
