#pragma once
// libzmq's socket monitor (event version 1, the stable API of libzmq 4.3) and what its
// handshake events mean.
//
// Facts about libzmq 4.3.4 this code relies on (checked against its zmq.h and sources):
// - each event is two frames: 2 bytes event id + 4 bytes value, then an endpoint;
// - on a bound socket the endpoint is the bound address, never the peer's (only the
//   draft event version 2 carries the peer's address, and Debian's libzmq5 exports no
//   draft API), so a handshake event cannot name the peer;
// - ACCEPTED and DISCONNECTED carry the connection's file descriptor as value;
// - HANDSHAKE_FAILED_PROTOCOL carries a ZMQ_PROTOCOL_ERROR_* code, HANDSHAKE_FAILED_AUTH
//   the ZAP status code (300, 400, 500), HANDSHAKE_FAILED_NO_DETAIL an errno;
// - the monitor sends with a blocking send: once 1,000 events wait unread, libzmq's I/O
//   thread (every connection of the context) stalls until they are read, so whoever owns
//   a monitor polls it with its other sockets and drains it on every wake-up.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

namespace drover::bus {

struct SocketEvent {
  std::uint16_t event = 0;  // one ZMQ_EVENT_* bit
  std::uint32_t value = 0;  // fd, errno, protocol error or ZAP status: see above
  std::string endpoint;     // the monitored socket's endpoint
};

/// Why a handshake failed, from the monitored socket's side.
enum class HandshakeFailure {
  WrongMechanism,  // the two sides use different security mechanisms (CURVE and NULL)
  Cryptographic,   // a CURVE box did not open: a wrong server key, or a forged message
  NotAuthorized,   // the ZAP handler refused the peer (its key is not allowed)
  Malformed,       // not valid ZMTP: bad greeting, command or metadata
  Aborted,         // the connection closed or timed out during the handshake
  AuthHandler,     // the ZAP handler's reply was invalid (a fault of the handler)
};
constexpr int kHandshakeFailureKinds = 6;

/// The failure a HANDSHAKE_FAILED_* event reports; std::nullopt for other events.
std::optional<HandshakeFailure> handshakeFailureOf(const SocketEvent& event);

/// A stable label for counters and logs: "wrong_mechanism", "bad_key", "not_authorized",
/// "malformed", "aborted", "zap_error".
std::string_view labelOf(HandshakeFailure failure);

/// The event's detail in words: "ZMTP mechanism mismatch", "errno 104 (Connection reset
/// by peer)", "ZAP status 400".
std::string detailOf(const SocketEvent& event);

/// A monitor attached to one socket; reads without blocking. It must go before the
/// socket it watches (declare it after that socket).
/// Thread ownership: the thread that owns the monitored socket.
class SocketMonitor {
 public:
  /// Attaches a monitor for the ZMQ_EVENT_* bits in `events` to `watched` (before it
  /// binds or connects, so no event is missed). Throws zmq::error_t.
  SocketMonitor(zmq::context_t& context, zmq::socket_t& watched, int events);
  ~SocketMonitor();
  SocketMonitor(const SocketMonitor&) = delete;
  SocketMonitor& operator=(const SocketMonitor&) = delete;

  /// The next queued event, or std::nullopt when none is queued.
  std::optional<SocketEvent> tryRead();

  /// For zmq::poll.
  zmq::socket_t& socket() { return pair_; }

 private:
  void* watched_;
  zmq::socket_t pair_;
};

}  // namespace drover::bus
