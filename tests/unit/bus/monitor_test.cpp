// libzmq's handshake events in words, and a real monitor seeing a real refusal.
#include "core/bus/monitor.hpp"

#include <gtest/gtest.h>

#include "core/bus/curve.hpp"

namespace drover::bus {
namespace {

using namespace std::chrono_literals;

SocketEvent failed(std::uint16_t event, std::uint32_t value) { return {event, value, "tcp://x"}; }

TEST(BusMonitor, ProtocolErrorsMapToReasons) {
  auto reason = [](std::uint32_t code) {
    return handshakeFailureOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code));
  };
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH), HandshakeFailure::WrongMechanism);
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC), HandshakeFailure::Cryptographic);
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO), HandshakeFailure::Malformed);
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND), HandshakeFailure::Malformed);
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED), HandshakeFailure::Malformed);
  EXPECT_EQ(reason(ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID), HandshakeFailure::AuthHandler);
  EXPECT_EQ(handshakeFailureOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400)),
            HandshakeFailure::NotAuthorized);
  EXPECT_EQ(handshakeFailureOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 104)),
            HandshakeFailure::Aborted);
  EXPECT_FALSE(handshakeFailureOf(failed(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0)).has_value());
  EXPECT_FALSE(handshakeFailureOf(failed(ZMQ_EVENT_ACCEPTED, 12)).has_value());
}

TEST(BusMonitor, LabelsAndDetailsAreReadable) {
  EXPECT_EQ(labelOf(HandshakeFailure::WrongMechanism), "wrong_mechanism");
  EXPECT_EQ(labelOf(HandshakeFailure::Cryptographic), "bad_key");
  EXPECT_EQ(labelOf(HandshakeFailure::NotAuthorized), "not_authorized");
  EXPECT_EQ(labelOf(HandshakeFailure::Malformed), "malformed");
  EXPECT_EQ(labelOf(HandshakeFailure::Aborted), "aborted");
  EXPECT_EQ(labelOf(HandshakeFailure::AuthHandler), "zap_error");
  EXPECT_EQ(detailOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400)), "ZAP status 400");
  EXPECT_EQ(detailOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                            ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)),
            "ZMTP security mechanism mismatch");
  EXPECT_NE(detailOf(failed(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 104)).find("errno 104"),
            std::string::npos);
}

// A plain REQ against a CURVE REP: both monitors report the mechanism mismatch.
TEST(BusMonitor, SeesARealMechanismMismatchOnBothSides) {
  zmq::context_t context(1);
  CurveKeys keys = generateCurveKeys();
  zmq::socket_t server(context, zmq::socket_type::rep);
  server.set(zmq::sockopt::curve_server, 1);
  server.set(zmq::sockopt::curve_secretkey, keys.secretKey);
  SocketMonitor serverEvents(context, server, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
  server.bind("tcp://127.0.0.1:*");
  zmq::socket_t client(context, zmq::socket_type::req);
  client.set(zmq::sockopt::linger, 0);
  SocketMonitor clientEvents(context, client, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
  client.connect(server.get(zmq::sockopt::last_endpoint));
  for (SocketMonitor* monitor : {&serverEvents, &clientEvents}) {
    zmq::pollitem_t item{monitor->socket().handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_EQ(zmq::poll(&item, 1, 10s), 1);
    auto event = monitor->tryRead();
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(handshakeFailureOf(*event), HandshakeFailure::WrongMechanism);
    EXPECT_EQ(event->endpoint, server.get(zmq::sockopt::last_endpoint));
  }
}

}  // namespace
}  // namespace drover::bus
