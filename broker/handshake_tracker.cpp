#include "broker/handshake_tracker.hpp"

namespace drover::broker {

std::optional<HandshakeVerdict> HandshakeTracker::onEvent(const bus::SocketEvent& event) {
  switch (event.event) {
    case ZMQ_EVENT_ACCEPTED: handshaking_.insert(event.value); return std::nullopt;
    case ZMQ_EVENT_DISCONNECTED: return onDisconnected(event.value);
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      ++successes_;
      settle();
      return HandshakeVerdict{};
    default: break;
  }
  auto failure = bus::handshakeFailureOf(event);
  if (!failure) return std::nullopt;
  ++failures_;  // libzmq closes the connection next: its DISCONNECTED follows
  return HandshakeVerdict{failure, bus::detailOf(event)};
}

std::optional<HandshakeVerdict> HandshakeTracker::onDisconnected(std::uint32_t fd) {
  if (handshaking_.erase(fd) == 0) return std::nullopt;  // an established peer left
  if (failures_ > 0) {
    --failures_;  // the failure event already gave the verdict
  } else if (successes_ > 0) {
    --successes_;  // may be one of the completed handshakes: give it the benefit
  } else {
    return HandshakeVerdict{bus::HandshakeFailure::Malformed,
                            "dropped without a handshake event: not a ZMTP 3 greeting "
                            "(a ZMTP 1.0/2.0 peer, or not ZeroMQ at all)"};
  }
  settle();
  return std::nullopt;
}

// When every connection still handshaking is accounted for by a success, they are
// all established: forget them, so their later DISCONNECTED means nothing.
void HandshakeTracker::settle() {
  if (successes_ > handshaking_.size()) successes_ = handshaking_.size();
  if (failures_ == 0 && successes_ == handshaking_.size()) {
    handshaking_.clear();
    successes_ = 0;
  }
}

}  // namespace drover::broker
