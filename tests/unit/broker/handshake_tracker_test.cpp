// Verdicts from monitor event sequences as libzmq 4.3 emits them (one I/O thread).
#include "broker/handshake_tracker.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace drover::broker {
namespace {

bus::SocketEvent ev(std::uint16_t event, std::uint32_t value = 0) {
  return {event, value, "tcp://127.0.0.1:7301"};
}
bus::SocketEvent accepted(std::uint32_t fd) { return ev(ZMQ_EVENT_ACCEPTED, fd); }
bus::SocketEvent disconnected(std::uint32_t fd) { return ev(ZMQ_EVENT_DISCONNECTED, fd); }
bus::SocketEvent succeeded() { return ev(ZMQ_EVENT_HANDSHAKE_SUCCEEDED); }
bus::SocketEvent mismatch() {
  return ev(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
}

struct Tally {
  int accepted = 0;
  std::vector<bus::HandshakeFailure> refused;
};

Tally feed(HandshakeTracker& tracker, const std::vector<bus::SocketEvent>& events) {
  Tally tally;
  for (const auto& event : events) {
    auto verdict = tracker.onEvent(event);
    if (!verdict) continue;
    if (verdict->refused) {
      tally.refused.push_back(*verdict->refused);
    } else {
      ++tally.accepted;
    }
  }
  return tally;
}

TEST(HandshakeTracker, AFailureEventIsOneRefusal) {
  HandshakeTracker tracker;
  Tally tally = feed(tracker, {accepted(7), mismatch(), disconnected(7)});
  ASSERT_EQ(tally.refused.size(), 1u);
  EXPECT_EQ(tally.refused[0], bus::HandshakeFailure::WrongMechanism);
  EXPECT_EQ(tracker.handshaking(), 0u);
}

TEST(HandshakeTracker, ADropWithoutAFailureEventIsAMalformedRefusal) {
  HandshakeTracker tracker;
  Tally tally = feed(tracker, {accepted(7), disconnected(7)});
  ASSERT_EQ(tally.refused.size(), 1u);
  EXPECT_EQ(tally.refused[0], bus::HandshakeFailure::Malformed);
}

TEST(HandshakeTracker, AnEstablishedPeerLeavingIsNoRefusal) {
  HandshakeTracker tracker;
  Tally tally = feed(tracker, {accepted(7), succeeded(), disconnected(7)});
  EXPECT_EQ(tally.accepted, 1);
  EXPECT_TRUE(tally.refused.empty());
  EXPECT_EQ(tracker.handshaking(), 0u);
}

TEST(HandshakeTracker, AReusedDescriptorStartsAFreshConnection) {
  HandshakeTracker tracker;
  Tally tally =
      feed(tracker, {accepted(7), succeeded(), disconnected(7), accepted(7), disconnected(7)});
  EXPECT_EQ(tally.accepted, 1);
  ASSERT_EQ(tally.refused.size(), 1u);
}

// Two handshakes overlap and one succeeds: which one is unknown until both are closed
// or both succeeded; the count comes out right either way.
TEST(HandshakeTracker, OverlappingHandshakesCountOneDrop) {
  HandshakeTracker tracker;
  Tally drop = feed(tracker, {accepted(7), accepted(8), succeeded(), disconnected(8)});
  EXPECT_TRUE(drop.refused.empty());  // fd 8 may have been the success
  Tally later = feed(tracker, {disconnected(7)});
  EXPECT_EQ(later.refused.size(), 1u);  // one of the two had no handshake at all
  EXPECT_EQ(tracker.handshaking(), 0u);
}

TEST(HandshakeTracker, OverlappingHandshakesThatBothSucceedCountNothing) {
  HandshakeTracker tracker;
  Tally tally = feed(tracker, {accepted(7), accepted(8), succeeded(), disconnected(8), succeeded(),
                               disconnected(7)});
  EXPECT_EQ(tally.accepted, 2);
  EXPECT_TRUE(tally.refused.empty());
  EXPECT_EQ(tracker.handshaking(), 0u);
}

TEST(HandshakeTracker, FailuresAmongOverlappingHandshakesAreCountedOnce) {
  HandshakeTracker tracker;
  Tally tally = feed(tracker, {accepted(7), accepted(8), accepted(9), mismatch(), succeeded(),
                               disconnected(8), disconnected(9), accepted(10), disconnected(10)});
  EXPECT_EQ(tally.accepted, 1);
  ASSERT_EQ(tally.refused.size(), 2u);
  EXPECT_EQ(tally.refused[0], bus::HandshakeFailure::WrongMechanism);
  EXPECT_EQ(tally.refused[1], bus::HandshakeFailure::Malformed);  // fd 10: no success unplaced
  EXPECT_EQ(tracker.handshaking(), 1u);  // fd 7 (established or not) until it leaves
}

}  // namespace
}  // namespace drover::broker
