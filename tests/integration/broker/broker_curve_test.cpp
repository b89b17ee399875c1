// The real drover-broker serving CURVE: every refused peer is counted by reason and
// logged (rate-limited), and `drover-broker stats` reads the counters over CURVE with
// an admin key, or says clearly what it lacks. Tests poll the counters until they move
// (each poll is a real `drover-broker stats` run), within an overall bound.
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/subprocess.hpp"
#include "tests/integration/broker/curve_broker.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using drover::testing::waitFor;
using ::testing::HasSubstr;

constexpr auto kBound = 20s;

std::size_t countLines(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(BrokerCurve, APlainPeerIsRefusedCountedAndLogged) {
  CurveBroker broker;
  zmq::context_t context(1);
  bus::ZmqConnection plain(context, broker.endpoints());  // no CURVE at all
  ASSERT_TRUE(waitFor(
      [&] { return broker.refused("wrong_mechanism") + broker.refused("aborted") >= 2; }, kBound))
      << broker.log();
  EXPECT_GE(broker.adminStats()->at("peers_refused").get<std::uint64_t>(), 2u);
  EXPECT_THAT(broker.log(), HasSubstr("refused peer on ingress " + broker.endpoints().publish));
  EXPECT_THAT(broker.log(), HasSubstr("refused peer on egress " + broker.endpoints().subscribe));
}

TEST(BrokerCurve, AnUnlistedKeyIsRefusedAndNamedWithItsAddress) {
  CurveBroker broker;
  bus::CurveKeys stranger = bus::generateCurveKeys();
  zmq::context_t context(1);
  bus::ConnectionOptions options;
  options.curve = bus::CurveClient{broker.keys().publicKey, stranger};
  bus::ZmqConnection peer(context, broker.endpoints(), options);
  ASSERT_TRUE(waitFor([&] { return broker.refused("not_authorized") >= 2; }, kBound))
      << broker.log();
  EXPECT_THAT(broker.log(), HasSubstr("refused peer address=127.0.0.1 on ingress"));
  EXPECT_THAT(broker.log(),
              HasSubstr("key " + stranger.publicKey + " is not in curve.allowed_clients"));
}

TEST(BrokerCurve, AnAllowedKeyIsAcceptedNotRefused) {
  CurveBroker broker;
  zmq::context_t context(1);
  bus::ConnectionOptions options;
  options.curve = bus::CurveClient{broker.keys().publicKey, broker.node()};
  bus::ZmqConnection peer(context, broker.endpoints(), options);
  ASSERT_TRUE(peer.waitReady(10s)) << broker.log();
  std::optional<Json> stats;
  ASSERT_TRUE(waitFor(
      [&] {
        stats = broker.adminStats();
        return stats && stats->at("peers_accepted").get<std::uint64_t>() >= 2;  // pub and sub
      },
      kBound))
      << broker.log();
  EXPECT_EQ(stats->at("peers_refused").get<std::uint64_t>(), 0u) << broker.log();
}

TEST(BrokerCurve, AWrongServerKeyIsCountedAsBadKey) {
  CurveBroker broker;
  zmq::context_t context(1);
  bus::ConnectionOptions options;
  options.curve = bus::CurveClient{broker.admin().publicKey, broker.node()};  // not the broker's
  bus::ZmqConnection peer(context, broker.endpoints(), options);
  ASSERT_TRUE(waitFor([&] { return broker.refused("bad_key") >= 1; }, kBound)) << broker.log();
  EXPECT_THAT(broker.log(), HasSubstr("(reason=bad_key)"));
}

TEST(BrokerCurve, BytesThatAreNotZeroMqAreCountedAsMalformed) {
  CurveBroker broker;
  sendRawBytes(broker.endpoints().publish, "GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(waitFor([&] { return broker.refused("malformed") >= 1; }, kBound)) << broker.log();
  EXPECT_THAT(broker.log(), HasSubstr("refused peer on ingress " + broker.endpoints().publish +
                                      " (reason=malformed)"));
}

// A flood of refused handshakes: all counted, the first few logged, the rest reported
// as one count once the window is over.
TEST(BrokerCurve, AFloodOfRefusalsIsCountedButNotLoggedLineByLine) {
  CurveBroker broker;
  constexpr int kFlood = 60;
  for (int i = 0; i < kFlood; ++i) sendRawBytes(broker.endpoints().publish, "not zeromq\n");
  ASSERT_TRUE(waitFor([&] { return broker.refused("malformed") >= kFlood; }, kBound))
      << broker.log();
  ASSERT_TRUE(
      waitFor([&] { return broker.log().find("suppressed ") != std::string::npos; }, kBound))
      << broker.log();
  EXPECT_LE(countLines(broker.log(), "refused peer on ingress"), 10u) << broker.log();
  std::smatch match;
  std::string log = broker.log();
  ASSERT_TRUE(
      std::regex_search(log, match, std::regex("suppressed (\\d+) more refused-peer lines")));
  EXPECT_EQ(std::stoi(match[1]), kFlood - 10) << log;
  auto stats = broker.adminStats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->at("refusal_log_lines_suppressed").get<int>(), kFlood - 10);
}

TEST(BrokerCurve, StatsWithTheAdminKeyPrintsTheCounters) {
  CurveBroker broker;
  CliRun run = broker.stats(
      {"--curve-server-key", broker.keys().publicKey, "--curve-key-file", broker.keyFile("admin")});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  Json stats = Json::parse(run.out);
  for (const char* key :
       {"peers_accepted", "peers_refused", "peers_refused_by_reason", "messages_in"}) {
    EXPECT_TRUE(stats.contains(key)) << key << " missing from " << run.out;
  }
}

TEST(BrokerCurve, StatsReadsTheCurveSettingsOfAClientConfig) {
  CurveBroker broker;
  auto config =
      broker.dir().write("client.yaml", "curve:\n  server_key: \"" + broker.keys().publicKey +
                                            "\"\n  key_file: " + broker.keyFile("admin") + "\n");
  CliRun run = broker.stats({"--client-config", config.string()});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_TRUE(Json::parse(run.out).contains("peers_refused"));
}

TEST(BrokerCurve, StatsWithoutKeysFailsSayingWhatToPass) {
  CurveBroker broker;
  CliRun run = broker.stats({"--timeout-ms", "5000"});
  EXPECT_EQ(run.exitCode, 4);
  EXPECT_THAT(run.err, HasSubstr("broker at " + broker.control()));
  EXPECT_THAT(run.err, HasSubstr("CURVE"));
  EXPECT_THAT(run.err, HasSubstr("--curve-server-key"));
  EXPECT_THAT(run.err, HasSubstr("--curve-key-file"));
  EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST(BrokerCurve, StatsWithABusKeyIsRefusedOnTheControlSocket) {
  CurveBroker broker;
  CliRun run = broker.stats(
      {"--curve-server-key", broker.keys().publicKey, "--curve-key-file", broker.keyFile("node")});
  EXPECT_EQ(run.exitCode, 4);
  EXPECT_THAT(run.err, HasSubstr("refused our key " + broker.node().publicKey));
  EXPECT_THAT(run.err, HasSubstr("curve.admin_clients"));
  ASSERT_TRUE(waitFor([&] { return broker.refused("not_authorized") >= 1; }, kBound));
  EXPECT_THAT(broker.log(),
              HasSubstr("on control " + broker.control() + " (reason=not_authorized)"));
}

TEST(BrokerCurve, StatsFlagsThatDoNotFitAreNamed) {
  CurveBroker broker;
  CliRun half = broker.stats({"--curve-server-key", broker.keys().publicKey});
  EXPECT_EQ(half.exitCode, 2);
  EXPECT_THAT(half.err, HasSubstr("--curve-key-file is missing"));
  CliRun badKey =
      broker.stats({"--curve-server-key", "short", "--curve-key-file", broker.keyFile("admin")});
  EXPECT_EQ(badKey.exitCode, 2);
  EXPECT_THAT(badKey.err, HasSubstr("--curve-server-key: 'short' is not a 40-character Z85"));
  CliRun noFile = broker.stats({"--curve-server-key", broker.keys().publicKey, "--curve-key-file",
                                (broker.dir() / "absent.key").string()});
  EXPECT_EQ(noFile.exitCode, 2);
  EXPECT_THAT(noFile.err, HasSubstr("absent.key"));
}

TEST(BrokerCurve, AdminKeysWithoutCurveAreAConfigError) {
  testing::TempDir dir;
  auto admins = dir.write("admins", bus::generateCurveKeys().publicKey + "\n");
  util::SubprocessResult run =
      util::runProcess({testing::binary("drover-broker").string(), "--ingress", "tcp://127.0.0.1:*",
                        "--egress", "tcp://127.0.0.1:*", "--curve-admin-clients", admins.string()},
                       "", 30s);
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_THAT(run.err + run.out, HasSubstr("curve.admin_clients needs curve.key_file"));
}

}  // namespace
}  // namespace drover::integration
