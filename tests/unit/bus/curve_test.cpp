// CURVE between peers and a real router: encryption on, unknown keys refused.
#include "core/bus/curve.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "testing/process.hpp"
#include "tests/unit/bus/router_fixture.hpp"

namespace drover::bus {
namespace {

using namespace std::chrono_literals;

struct CurveFleet {
  CurveKeys broker = generateCurveKeys();
  CurveKeys allowed = generateCurveKeys();
  CurveKeys stranger = generateCurveKeys();

  broker::RouterOptions options() const {
    broker::RouterOptions o;
    o.curve = broker;
    o.allowedClients = {allowed.publicKey};
    return o;
  }
  ConnectionOptions as(const CurveKeys& keys) const {
    ConnectionOptions o;
    o.curve = CurveClient{broker.publicKey, keys};
    return o;
  }
};

TEST(BusCurve, AllowedKeyTalksThroughTheBroker) {
  CurveFleet fleet;
  testing::RouterThread router(fleet.options());
  zmq::context_t context(1);
  ZmqConnection peer(context, router.endpoints(), fleet.as(fleet.allowed));
  peer.subscribe(nodeTopic("drover", "n1"));
  ASSERT_TRUE(peer.waitReady(5s));
  peer.publish(nodeTopic("drover", "n1"), "secret payload");
  auto got = peer.receive(2s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body, "secret payload");
  // Handshakes are counted from the broker's monitor, a moment after they complete.
  EXPECT_TRUE(drover::testing::waitFor([&] { return router.stats().peersAccepted >= 2; }, 5s));
}

TEST(BusCurve, UnlistedKeyAndPlainPeersGetNothing) {
  CurveFleet fleet;
  testing::RouterThread router(fleet.options());
  zmq::context_t context(1);
  ZmqConnection stranger(context, router.endpoints(), fleet.as(fleet.stranger));
  EXPECT_FALSE(stranger.waitReady(500ms));
  EXPECT_TRUE(drover::testing::waitFor([&] { return router.stats().peersRefused >= 1; }, 5s));
  ZmqConnection plain(context, router.endpoints());
  EXPECT_FALSE(plain.waitReady(500ms));
}

TEST(BusCurve, KeyFilesRoundTripAndErrorsNameTheFile) {
  drover::testing::TempDir dir;
  CurveKeys keys = generateCurveKeys();
  writeCurveKeyFile(dir / "node.key", keys);
  CurveKeys back = loadCurveKeyFile(dir / "node.key");
  EXPECT_EQ(back.publicKey, keys.publicKey);
  EXPECT_EQ(back.secretKey, keys.secretKey);
  EXPECT_EQ(std::filesystem::status(dir / "node.key").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(dir / "bad.key") << "public: short\nsecret: x\n";
  try {
    loadCurveKeyFile(dir / "bad.key");
    FAIL();
  } catch (const CurveError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.key:1: key 'public'"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "allowed") << "# ops\n" << keys.publicKey << " web1\n\nnot-a-key\n";
  try {
    loadAllowedKeys(dir / "allowed");
    FAIL();
  } catch (const CurveError& e) {
    EXPECT_NE(std::string(e.what()).find("allowed:4:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(curveClientFrom(keys.publicKey, ""), CurveError);
  EXPECT_FALSE(curveClientFrom("", "").has_value());
}

}  // namespace
}  // namespace drover::bus
