// What only the NATS transport has: a cluster whose servers come and go under a running
// fleet, a slow consumer, TLS with client certificates, and token, NKEY and .creds (operator
// mode) authorization, all against real nats-servers. What both transports share runs from one
// definition in the suites of BusFleetSuite.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/nats_connection.hpp"
#include "core/rpc/call_builder.hpp"
#include "core/util/subprocess.hpp"
#include "testing/nats_keys.hpp"
#include "testing/nats_server.hpp"
#include "testing/process.hpp"
#include "tests/integration/fleet.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

NodeSpec node(const std::string& identity) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: eu-west-1\n";
  return spec;
}

// The member of `cluster` holding the most client connections (at least one of a
// fleet's nodes, whichever servers they picked at random).
std::size_t busiest(testing::NatsCluster& cluster) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < cluster.size(); ++i) {
    if (cluster.server(i).connections() > cluster.server(best).connections()) best = i;
  }
  return best;
}

int connectionsOnRunning(testing::NatsCluster& cluster) {
  int total = 0;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.server(i).running()) total += cluster.server(i).connections();
  }
  return total;
}

// A server killed during a storm of calls: every call still ends with each node either
// answering or named as silent, every node moves to another server without a restart,
// and the next call reaches all of them.
TEST(NatsClusterBus, AServerKilledDuringAPingStormLosesNoNode) {
  FleetOptions options;
  options.transport = bus::TransportKind::Nats;
  options.natsServers = 3;
  Fleet fleet(options);
  std::vector<NodeSpec> specs;
  std::vector<std::string> names;
  for (int i = 1; i <= 6; ++i) {
    specs.push_back(node("node-" + std::to_string(i)));
    names.push_back(specs.back().identity);
  }
  fleet.addNodes(specs);
  testing::NatsCluster& cluster = *fleet.nats();

  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::atomic<int> unaccounted{0};
  std::thread storm([&] {
    zmq::context_t context(1);
    rpc::Client client(context, fleet.endpoints(), Fleet::kAdmin, "drover", 5000ms, {},
                       fleet.adminSecurity());
    while (!stop) {
      auto result = client.call(rpc::request("rpcutil", "ping").nodes(names).timeout(2s).build());
      if (result.replies.size() + result.noReply.size() != names.size()) ++unaccounted;
      ++calls;
    }
  });
  ASSERT_TRUE(testing::waitFor([&] { return calls >= 20; }, 30s)) << fleet.logs();
  int clients = connectionsOnRunning(cluster);  // the nodes and the storm's client
  std::size_t victim = busiest(cluster);
  int moved = cluster.server(victim).connections();
  ASSERT_GT(moved, 0);
  cluster.server(victim).kill();
  int callsAtKill = calls;

  bool back = testing::waitFor([&] { return connectionsOnRunning(cluster) == clients; }, 30s);
  EXPECT_TRUE(back) << connectionsOnRunning(cluster) << " of " << clients
                    << " connections on the remaining servers\n"
                    << fleet.logs();
  ASSERT_TRUE(testing::waitFor([&] { return calls >= callsAtKill + 20; }, 60s));
  stop = true;
  storm.join();
  EXPECT_EQ(unaccounted, 0) << "calls that neither got a reply nor named a node silent";

  Result ping = fleet.drover({"ping"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("6 of 6 nodes answered, 6 ok, 0 failed, 0 no reply")) << ping;
  int reconnected = 0;
  for (const auto& name : names) {
    reconnected += fleet.node(name).log().find("reconnected to NATS") != std::string::npos;
    EXPECT_TRUE(fleet.node(name).running()) << name << " was restarted or died";
  }
  EXPECT_GE(reconnected, moved - 1) << "nodes of the killed server that said they moved";
}

// The killed server comes back: the cluster routes it again and the fleet still answers.
TEST(NatsClusterBus, AllServersRestartedUnderARunningFleet) {
  FleetOptions options;
  options.transport = bus::TransportKind::Nats;
  options.natsServers = 3;
  Fleet fleet(options);
  fleet.addNodes({node("node-a"), node("node-b"), node("node-c")});
  EXPECT_TRUE(fleet.stopBroker() == 0);
  fleet.startBroker();
  ASSERT_TRUE(testing::waitFor([&] { return connectionsOnRunning(*fleet.nats()) >= 3; }, 30s))
      << fleet.logs();
  Result ping = fleet.drover({"ping"});
  EXPECT_THAT(ping.out, HasSubstr("3 of 3 nodes answered")) << ping;
}

// A consumer that does not read: what passes its bound is dropped and counted, never
// lost silently, and what it kept is still there.
TEST(NatsTransport, ASlowConsumerLosesMessagesAndSaysHowMany) {
  testing::NatsServer server;
  bus::Endpoints endpoints;
  endpoints.transport = bus::TransportKind::Nats;
  endpoints.nats.servers = {server.url()};
  bus::ConnectionOptions small;
  small.highWaterMark = 10;
  bus::NatsConnection slow(endpoints, small);
  slow.subscribe("drover.reply.slow");
  ASSERT_TRUE(slow.waitReady(10s));
  bus::NatsConnection sender(endpoints);
  ASSERT_TRUE(sender.waitReady(10s));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sender.publish("drover.reply.slow", "reply"));
  ASSERT_TRUE(sender.waitReady(10s));  // a round trip: the server has every message

  std::uint64_t dropped = 0;
  EXPECT_TRUE(testing::waitFor(
      [&] {
        dropped += slow.takeDropped();
        return dropped == 90;
      },
      10s))
      << dropped << " dropped";
  int kept = 0;  // nats.c may still be handing the last ones over
  EXPECT_TRUE(testing::waitFor(
      [&] {
        while (slow.tryReceive()) ++kept;
        return kept == 10;
      },
      10s))
      << kept << " kept";
  EXPECT_EQ(slow.takeDropped(), 0u) << "a drop is reported once";
}

bus::Endpoints natsAt(const std::string& url) {
  bus::Endpoints endpoints;
  endpoints.transport = bus::TransportKind::Nats;
  endpoints.nats.servers = {url};
  return endpoints;
}

// A droverd on a NATS server with the bus flags `good`, and drover pinging it: with
// `good` it answers; with `bad` the CLI names the bus it cannot reach.
void expectOnlyTheseFlagsReachTheNode(const testing::TempDir& dir, const std::string& url,
                                      const std::vector<std::string>& good,
                                      const std::vector<std::string>& bad) {
  const std::filesystem::path pidFile = dir / "droverd.pid";
  std::vector<std::string> droverd{testing::binary("droverd").string(),
                                   "--identity",
                                   "auth-node",
                                   "--identity-file",
                                   "",
                                   "--pid-file",
                                   pidFile.string(),
                                   "--security-enabled",
                                   "false"};
  droverd.insert(droverd.end(), good.begin(), good.end());
  testing::Process node(droverd, dir / "droverd.log");
  ASSERT_TRUE(testing::waitFor([&] { return std::filesystem::exists(pidFile); }, 20s))
      << node.log();

  auto ping = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> argv{testing::binary("drover").string(), "--config", "",
                                  "--security-enabled", "false"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"ping", "-I", "auth-node"});
    return util::runProcess(argv, "", 60s);
  };
  auto ok = ping(good);
  EXPECT_EQ(ok.exitCode, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("1 of 1 nodes answered, 1 ok")) << ok.out << ok.err;

  auto refused = ping(bad);
  EXPECT_NE(refused.exitCode, 0) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("the bus is not reachable at NATS " + url)) << refused.err;
}

// droverd and drover on a NATS server that requires TLS client certificates: with their
// certificate they talk; without one the CLI says why it cannot reach the bus.
TEST(NatsTransport, TlsWithClientCertificatesEndToEnd) {
  testing::TempDir certs;
  testing::NatsServerOptions options;
  options.tls = testing::writeTestTls(certs);
  testing::NatsServer server(options);
  std::vector<std::string> tls{"--bus-transport", "nats",           "--nats-servers",
                               server.url(),      "--nats-ca-file", (certs / "ca.pem").string()};
  std::vector<std::string> withCert = tls;
  withCert.insert(withCert.end(), {"--nats-cert-file", (certs / "client.pem").string(),
                                   "--nats-key-file", (certs / "client.key").string()});
  expectOnlyTheseFlagsReachTheNode(certs, server.url(), withCert, tls);
}

// A server that admits clients with the token "s3cret-token" alone.
testing::NatsServerOptions tokenServer() {
  testing::NatsServerOptions options;
  options.extraConfig = "authorization { token: \"s3cret-token\" }\n";
  return options;
}

// `connection` gets no answer within `wait`, and why is named: the server's authorization.
void expectRefused(bus::NatsConnection& connection, std::chrono::milliseconds wait) {
  EXPECT_FALSE(connection.waitReady(wait));
  EXPECT_THAT(connection.problem(), HasSubstr("Authorization")) << connection.problem();
}

// A token-protected server: the right token (from a file) connects, a wrong one is
// refused and the refusal is named.
TEST(NatsTransport, TokenFromAFileAuthorizesAndAWrongOneIsNamed) {
  testing::TempDir dir;
  testing::NatsServerOptions options = tokenServer();
  testing::NatsServer server(options);
  bus::Endpoints good = natsAt(server.url());
  good.nats.tokenFile = dir.write("token", "s3cret-token\n");
  bus::NatsConnection allowed(good);
  EXPECT_TRUE(allowed.waitReady(10s)) << allowed.problem();

  bus::Endpoints bad = natsAt(server.url());
  bad.nats.tokenFile = dir.write("wrong", "guess\n");
  bus::NatsConnection refused(bad);
  expectRefused(refused, 2s);

  bus::Endpoints empty = natsAt(server.url());
  empty.nats.tokenFile = dir.write("empty", "");
  try {
    bus::NatsConnection never(empty);
    ADD_FAILURE() << "an empty token file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("nats.token_file: " + (dir / "empty").string() + " is empty"));
  }
}

// nats.c closes a connection for good once its credentials are refused twice; the bus
// keeps trying: a node whose token file is fixed while it runs joins, with the topics it
// subscribed to while it was refused.
TEST(NatsTransport, ARefusedConnectionJoinsOnceItsCredentialsFileIsFixed) {
  testing::TempDir dir;
  testing::NatsServerOptions options = tokenServer();
  testing::NatsServer server(options);
  bus::Endpoints endpoints = natsAt(server.url());
  endpoints.nats.tokenFile = dir.write("token", "guess\n");
  bus::NatsConnection node(endpoints);
  expectRefused(node, 3s);               // refused twice by now: nats.c has closed it
  node.subscribe("drover.test.joined");  // while refused: kept for the next connection

  dir.write("token", "s3cret-token\n");
  ASSERT_TRUE(node.waitReady(20s)) << node.problem();
  bus::Endpoints good = natsAt(server.url());
  good.nats.tokenFile = dir / "token";
  bus::NatsConnection admin(good);
  ASSERT_TRUE(admin.waitReady(10s)) << admin.problem();
  ASSERT_TRUE(admin.publish("drover.test.joined", "welcome"));
  auto message = node.receive(10s);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->body, "welcome");
}

// One message from `from` reaches `to` over the server: the connection is authorized to
// publish and subscribe, not only to connect.
void expectRoundTrip(bus::NatsConnection& from, bus::NatsConnection& to) {
  to.subscribe("drover.test.auth");
  ASSERT_TRUE(to.waitReady(10s)) << to.problem();  // the subscription reached the server
  ASSERT_TRUE(from.publish("drover.test.auth", "hello"));
  auto message = to.receive(10s);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->body, "hello");
}

// A server that knows users by NKEY: the key named in nats.nkey with its seed from
// nats.nkey_seed_file connects and talks; another user's key, or the right public key
// with another key's seed (the server checks the nonce's signature), is refused, named.
TEST(NatsTransport, NkeyWithItsSeedFileAuthorizesAndAnyOtherKeyIsRefused) {
  testing::TempDir dir;
  const testing::NatsKey user = testing::makeNatsKey(testing::NatsKeyKind::User);
  const testing::NatsKey stranger = testing::makeNatsKey(testing::NatsKeyKind::User);
  ASSERT_EQ(user.publicKey.front(), 'U');
  ASSERT_EQ(user.seed.substr(0, 2), "SU");
  testing::NatsServerOptions options;
  options.extraConfig = "authorization { users = [ { nkey: " + user.publicKey + " } ] }\n";
  testing::NatsServer server(options);

  auto withKey = [&](const std::string& publicKey, const std::string& seed,
                     const std::string& file) {
    bus::Endpoints endpoints = natsAt(server.url());
    endpoints.nats.nkey = publicKey;
    endpoints.nats.nkeySeedFile = dir.write(file, seed + "\n");
    return endpoints;
  };
  bus::NatsConnection a(withKey(user.publicKey, user.seed, "user.nk"));
  bus::NatsConnection b(withKey(user.publicKey, user.seed, "user.nk"));
  ASSERT_TRUE(a.waitReady(10s)) << a.problem();
  expectRoundTrip(a, b);

  bus::NatsConnection unknown(withKey(stranger.publicKey, stranger.seed, "stranger.nk"));
  expectRefused(unknown, 2s);

  bus::NatsConnection forged(withKey(user.publicKey, stranger.seed, "forged.nk"));
  expectRefused(forged, 2s);
}

// A server in operator mode (an operator, its account, users with JWTs): droverd and
// drover with the user's .creds file (nats.credentials_file) reach each other; a user
// of another operator is refused and the CLI says it cannot reach the bus.
TEST(NatsTransport, CredsFileInOperatorModeAuthorizesAndAStrangersIsRefused) {
  testing::TempDir dir;
  const testing::NatsOperatorMode mode;
  const testing::NatsOperatorMode other;
  testing::NatsServerOptions options;
  options.extraConfig = mode.serverConfig();
  testing::NatsServer server(options);
  const std::string creds = dir.write("user.creds", mode.userCreds()).string();
  const std::string strangerCreds = dir.write("stranger.creds", other.userCreds()).string();

  bus::Endpoints endpoints = natsAt(server.url());
  endpoints.nats.credentialsFile = creds;
  bus::NatsConnection a(endpoints);
  bus::NatsConnection b(endpoints);
  ASSERT_TRUE(a.waitReady(10s)) << a.problem();
  expectRoundTrip(a, b);

  std::vector<std::string> bus{"--bus-transport", "nats", "--nats-servers", server.url(),
                               "--nats-credentials-file"};
  std::vector<std::string> user = bus, stranger = bus;
  user.push_back(creds);
  stranger.push_back(strangerCreds);
  expectOnlyTheseFlagsReachTheNode(dir, server.url(), user, stranger);
}

}  // namespace
}  // namespace drover::integration
