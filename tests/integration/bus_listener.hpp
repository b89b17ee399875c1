#pragma once
// A subscriber in the test process: watches topics on a fleet's bus and decodes
// what arrives, to see registrations and to prove that no request was published.
//
// Thread ownership: a BusListener belongs to the thread that created it.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/bus/transport.hpp"
#include "core/envelope/envelope.hpp"

namespace drover::integration {

class BusListener {
 public:
  using Accept = std::function<bool(const envelope::Envelope&)>;

  /// Subscribes to `topics` and waits until the subscriptions are live at the broker.
  /// Throws std::runtime_error if the broker does not answer within 5 s.
  BusListener(const bus::Endpoints& endpoints, const std::vector<std::string>& topics);

  /// The next envelope on a subscribed topic that `accept` takes (any, when empty),
  /// or std::nullopt when none came within `timeout`. Skips undecodable frames.
  std::optional<envelope::Envelope> next(std::chrono::milliseconds timeout,
                                         const Accept& accept = {});

 private:
  zmq::context_t context_{1};
  std::unique_ptr<bus::Transport> connection_;
};

}  // namespace drover::integration
