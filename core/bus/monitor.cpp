#include "core/bus/monitor.hpp"

#include <cstring>
#include <stdexcept>

#include "core/util/ids.hpp"

namespace drover::bus {
namespace {

std::optional<HandshakeFailure> protocolFailure(std::uint32_t code) {
  switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: return HandshakeFailure::WrongMechanism;
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: return HandshakeFailure::Cryptographic;
    default: break;
  }
  if ((code & 0xF0000000u) == ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED)
    return HandshakeFailure::AuthHandler;
  return HandshakeFailure::Malformed;  // ZMTP_* and WS_* codes
}

std::string protocolDetail(std::uint32_t code) {
  switch (code) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: return "ZMTP security mechanism mismatch";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: return "CURVE message did not decrypt";
    case ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: return "unexpected ZMTP command";
    case ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE: return "ZMTP commands out of sequence";
    case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE: return "CURVE key exchange failed";
    case ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA: return "invalid ZMTP metadata";
    default: break;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", code);
  if ((code & 0xFFFFFFF0u) == ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED) {
    return std::string("malformed ZMTP command (") + hex + ")";
  }
  return std::string("protocol error ") + hex;
}

}  // namespace

std::optional<HandshakeFailure> handshakeFailureOf(const SocketEvent& event) {
  switch (event.event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return protocolFailure(event.value);
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return HandshakeFailure::NotAuthorized;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: return HandshakeFailure::Aborted;
    default: return std::nullopt;
  }
}

std::string_view labelOf(HandshakeFailure failure) {
  switch (failure) {
    case HandshakeFailure::WrongMechanism: return "wrong_mechanism";
    case HandshakeFailure::Cryptographic: return "bad_key";
    case HandshakeFailure::NotAuthorized: return "not_authorized";
    case HandshakeFailure::Malformed: return "malformed";
    case HandshakeFailure::Aborted: return "aborted";
    case HandshakeFailure::AuthHandler: return "zap_error";
  }
  return "unknown";
}

std::string detailOf(const SocketEvent& event) {
  switch (event.event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: return protocolDetail(event.value);
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "ZAP status " + std::to_string(event.value);
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      return event.value == 0 ? std::string("closed")
                              : "errno " + std::to_string(event.value) + " (" +
                                    std::strerror(static_cast<int>(event.value)) + ")";
    default:
      return "event " + std::to_string(event.event) + " value " + std::to_string(event.value);
  }
}

SocketMonitor::SocketMonitor(zmq::context_t& context, zmq::socket_t& watched, int events)
    : watched_(watched.handle()), pair_(context, zmq::socket_type::pair) {
  std::string address = "inproc://drover-monitor-" + util::randomId();
  if (zmq_socket_monitor(watched_, address.c_str(), events) != 0) throw zmq::error_t();
  pair_.set(zmq::sockopt::linger, 0);
  pair_.connect(address);
}

SocketMonitor::~SocketMonitor() {
  // Drain first: libzmq holds the watched socket's monitor lock while it waits to send
  // into a full queue, and stopping the monitor takes that same lock.
  while (tryRead()) {
  }
  zmq_socket_monitor(watched_, nullptr, 0);
}

std::optional<SocketEvent> SocketMonitor::tryRead() {
  zmq::message_t head;
  if (!pair_.recv(head, zmq::recv_flags::dontwait)) return std::nullopt;
  zmq::message_t endpoint;
  if (head.more()) (void)pair_.recv(endpoint, zmq::recv_flags::none);
  SocketEvent event;
  if (head.size() >= sizeof event.event + sizeof event.value) {
    std::memcpy(&event.event, head.data(), sizeof event.event);
    std::memcpy(&event.value, static_cast<const char*>(head.data()) + sizeof event.event,
                sizeof event.value);
  }
  event.endpoint = endpoint.to_string();
  return event;
}

}  // namespace drover::bus
