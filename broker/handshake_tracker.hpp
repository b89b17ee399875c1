#pragma once
// Turns the monitor events of one bound socket into verdicts: a peer's handshake
// completed, or the broker refused it and why.
//
// Most refusals arrive as a HANDSHAKE_FAILED_* event. One kind does not: on a socket
// with ZAP enabled (every CURVE socket) libzmq 4.3 drops a peer that greets with ZMTP
// 1.0/2.0, or sends bytes that are not ZeroMQ at all, with no event but DISCONNECTED.
// The tracker finds those by following each connection from ACCEPTED to DISCONNECTED
// (both carry its file descriptor): a connection that closes with neither a success nor
// a failure event was dropped. HANDSHAKE_SUCCEEDED carries no descriptor, so when
// several handshakes overlap a success cannot be pinned on one of them: the first of
// them to close is taken as the success, and a drop among them is counted when the
// last of them closes. The count is exact; only the moment may be late.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "core/bus/monitor.hpp"

namespace drover::broker {

struct HandshakeVerdict {
  std::optional<bus::HandshakeFailure> refused;  // empty: the handshake completed
  std::string detail;                            // for a refusal: libzmq's reason in words
};

/// Thread ownership: the thread that reads the monitor.
class HandshakeTracker {
 public:
  /// The ZMQ_EVENT_* bits a monitor must deliver to this tracker (and ACCEPT_FAILED,
  /// which the router counts before it reaches the tracker).
  static constexpr int kEvents =
      ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
      ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
      ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_ACCEPT_FAILED;

  /// The verdict `event` completes, if any.
  std::optional<HandshakeVerdict> onEvent(const bus::SocketEvent& event);

  /// Connections accepted whose handshake has no verdict yet.
  std::size_t handshaking() const { return handshaking_.size(); }

 private:
  std::optional<HandshakeVerdict> onDisconnected(std::uint32_t fd);
  void settle();

  std::set<std::uint32_t> handshaking_;  // fds accepted, outcome not known
  std::size_t successes_ = 0;            // completed handshakes not yet pinned on an fd
  std::size_t failures_ = 0;             // failed handshakes whose DISCONNECTED is still to come
};

}  // namespace drover::broker
