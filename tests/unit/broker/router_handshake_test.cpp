// A real Router on loopback: refused handshakes counted by reason, and a control socket
// that admits only admin keys. Counters are read the way operators read them, through
// the control socket, until they move (with an overall bound).
#include <gtest/gtest.h>

#include "broker/stats_client.hpp"
#include "testing/process.hpp"
#include "tests/unit/bus/router_fixture.hpp"

namespace drover::broker {
namespace {

using namespace std::chrono_literals;
using drover::testing::waitFor;

struct CurveSetup {
  bus::CurveKeys broker = bus::generateCurveKeys();
  bus::CurveKeys admin = bus::generateCurveKeys();
  bus::CurveKeys node = bus::generateCurveKeys();

  RouterOptions options() const {
    RouterOptions o;
    o.control = "tcp://127.0.0.1:*";
    o.curve = broker;
    o.allowedClients = {node.publicKey};
    o.adminClients = {admin.publicKey};
    return o;
  }
  bus::CurveClient as(const bus::CurveKeys& keys) const { return {broker.publicKey, keys}; }
};

StatsAnswer ask(const std::string& control, std::optional<bus::CurveClient> curve) {
  zmq::context_t context(1);
  return fetchStats(context, StatsRequest{control, std::move(curve), 5000ms});
}

std::uint64_t refused(const StatsAnswer& answer, const char* reason) {
  if (!answer.stats) return 0;
  return answer.stats->at("peers_refused_by_reason").at(reason).get<std::uint64_t>();
}

// Whichever side reads the other's greeting first sees the mechanism mismatch and hangs
// up; the other sees only the closed connection (reason aborted). libzmq then stops a
// client that saw the mismatch from reconnecting, so each socket is refused once or more.
TEST(RouterHandshakes, APlainPeerAtACurveBrokerIsRefusedOnBothSockets) {
  CurveSetup setup;
  drover::testing::RouterThread router(setup.options());
  zmq::context_t context(1);
  bus::ZmqConnection plain(context, router.endpoints());
  StatsAnswer last;
  EXPECT_TRUE(waitFor(
      [&] {
        last = ask(router.control(), setup.as(setup.admin));
        return refused(last, "wrong_mechanism") + refused(last, "aborted") >= 2;  // pub and sub
      },
      10s))
      << (last.stats ? last.stats->dump() : last.error);
  EXPECT_GE(last.stats->at("peers_refused").get<std::uint64_t>(), 2u);
}

// The other way round: the same mismatch, seen by a broker without CURVE.
TEST(RouterHandshakes, ACurvePeerAtAPlainBrokerIsCountedToo) {
  CurveSetup setup;
  RouterOptions options;
  options.control = "tcp://127.0.0.1:*";
  drover::testing::RouterThread router(options);
  zmq::context_t context(1);
  bus::ConnectionOptions curve;
  curve.curve = setup.as(setup.node);
  bus::ZmqConnection peer(context, router.endpoints(), curve);
  StatsAnswer last;
  EXPECT_TRUE(waitFor(
      [&] {
        last = ask(router.control(), std::nullopt);
        return refused(last, "wrong_mechanism") + refused(last, "aborted") >= 2;
      },
      10s))
      << (last.stats ? last.stats->dump() : last.error);
  EXPECT_GE(last.stats->at("peers_refused").get<std::uint64_t>(), 2u);
}

TEST(RouterHandshakes, TheControlSocketAdmitsOnlyAdminKeysAndTheBrokersOwn) {
  CurveSetup setup;
  drover::testing::RouterThread router(setup.options());
  EXPECT_TRUE(ask(router.control(), setup.as(setup.admin)).stats.has_value());
  EXPECT_TRUE(ask(router.control(), setup.as(setup.broker)).stats.has_value());
  StatsAnswer node = ask(router.control(), setup.as(setup.node));  // a bus key: no
  EXPECT_FALSE(node.stats.has_value());
  EXPECT_NE(node.error.find("refused our key " + setup.node.publicKey), std::string::npos)
      << node.error;
  EXPECT_NE(node.error.find("curve.admin_clients"), std::string::npos) << node.error;
  StatsAnswer plain = ask(router.control(), std::nullopt);
  EXPECT_FALSE(plain.stats.has_value());
  EXPECT_NE(plain.error.find("CURVE"), std::string::npos) << plain.error;
  EXPECT_NE(plain.error.find("--curve-server-key"), std::string::npos) << plain.error;
  EXPECT_TRUE(waitFor(
      [&] { return refused(ask(router.control(), setup.as(setup.admin)), "not_authorized") >= 1; },
      10s));
}

TEST(RouterHandshakes, AWrongServerKeyIsCountedAsBadKey) {
  CurveSetup setup;
  drover::testing::RouterThread router(setup.options());
  bus::CurveClient wrong{setup.node.publicKey, setup.admin};  // not the broker's key
  StatsAnswer refusedAnswer = ask(router.control(), wrong);
  EXPECT_FALSE(refusedAnswer.stats.has_value());
  EXPECT_NE(refusedAnswer.error.find("--curve-server-key"), std::string::npos)
      << refusedAnswer.error;
  StatsAnswer last;
  EXPECT_TRUE(waitFor(
      [&] {
        last = ask(router.control(), setup.as(setup.admin));
        return refused(last, "bad_key") >= 1;
      },
      10s))
      << (last.stats ? last.stats->dump() : last.error);
}

TEST(RouterHandshakes, TheControlSocketAnswersStatsAndNothingElse) {
  RouterOptions options;
  options.control = "tcp://127.0.0.1:*";
  drover::testing::RouterThread router(options);
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 5000);
  socket.connect(router.control());
  socket.send(zmq::str_buffer("reset"), zmq::send_flags::none);
  zmq::message_t reply;
  ASSERT_TRUE(socket.recv(reply));
  EXPECT_EQ(Json::parse(reply.to_string()).at("error").get<std::string>(),
            "unknown command 'reset': the control socket answers 'stats'");
}

TEST(RouterHandshakes, NothingListeningIsSaidSo) {
  StatsAnswer answer = [] {
    zmq::context_t context(1);
    return fetchStats(context, StatsRequest{"tcp://127.0.0.1:1", std::nullopt, 300ms});
  }();
  EXPECT_FALSE(answer.stats.has_value());
  EXPECT_NE(answer.error.find("nothing accepted a connection at tcp://127.0.0.1:1 within 300 ms"),
            std::string::npos)
      << answer.error;
}

}  // namespace
}  // namespace drover::broker
