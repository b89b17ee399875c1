// The nats-server fixture (testing/nats_server.hpp) against the real nats-server: a
// server comes up and back on its ports, TLS is what the config says, and a cluster
// routes, elects a JetStream meta leader and survives losing a member.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <string>

#include "core/util/json.hpp"
#include "testing/nats_server.hpp"

namespace drover::testing {
namespace {

using std::chrono::milliseconds;

Json monitored(const NatsServer& server, const std::string& endpoint) {
  return Json::parse(server.monitor(endpoint));
}

TEST(NatsServerTest, AnswersVarzAndRestartsOnTheSamePorts) {
  NatsServer server;
  Json varz = monitored(server, "/varz");
  EXPECT_EQ(varz["port"], server.port());
  EXPECT_EQ(varz["max_payload"], 8 << 20);
  EXPECT_EQ(server.url(), "nats://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(server.slowConsumers(), 0);

  pid_t first = server.pid();
  int status = server.stop();
  EXPECT_TRUE(status == 0 || status == 1) << status;  // not SIGKILLed after the grace
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.pid(), -1);
  EXPECT_THROW(server.monitor("/varz"), std::runtime_error);

  server.start();
  EXPECT_NE(server.pid(), first);
  EXPECT_EQ(monitored(server, "/varz")["port"], server.port());
}

TEST(NatsServerTest, JetStreamComesBackAfterAKill) {
  NatsServerOptions options;
  options.jetStream = true;
  options.serverName = "solo";
  NatsServer server(options);
  Json jsz = monitored(server, "/jsz");
  EXPECT_EQ(jsz["config"]["max_storage"], 256 << 20);
  // nats-server puts its own jetstream/ under the store_dir it is given.
  std::string storeDir = jsz["config"]["store_dir"];
  EXPECT_EQ(storeDir.rfind(server.configPath().parent_path().string(), 0), 0u) << storeDir;

  server.kill();
  server.start();
  EXPECT_TRUE(server.healthy());
}

// natsConnection_Connect's status for `url` with the CA and, when given, a client cert.
natsStatus connectTls(const std::string& url, const NatsTls& files, bool withClientCert,
                      natsConnection** connection) {
  natsOptions* options = nullptr;
  natsOptions_Create(&options);
  natsOptions_SetURL(options, url.c_str());
  natsOptions_SetTimeout(options, 5000);
  natsOptions_SetSecure(options, true);
  natsOptions_LoadCATrustedCertificates(options, files.ca.c_str());
  if (withClientCert) {
    auto dir = files.ca.parent_path();
    natsOptions_LoadCertificatesChain(options, (dir / "client.pem").c_str(),
                                      (dir / "client.key").c_str());
  }
  natsStatus status = natsConnection_Connect(connection, options);
  natsOptions_Destroy(options);
  return status;
}

TEST(NatsServerTest, TlsWithVerifyNeedsAClientCertificate) {
  TempDir certs;
  NatsServerOptions options;
  options.tls = writeTestTls(certs);
  NatsServer server(options);
  EXPECT_EQ(server.url(), "tls://127.0.0.1:" + std::to_string(server.port()));
  Json varz = monitored(server, "/varz");
  EXPECT_EQ(varz["tls_required"], true);
  EXPECT_EQ(varz["tls_verify"], true);

  natsConnection* refused = nullptr;
  EXPECT_NE(connectTls(server.url(), *options.tls, false, &refused), NATS_OK);
  natsConnection_Destroy(refused);

  natsConnection* connection = nullptr;
  ASSERT_EQ(connectTls(server.url(), *options.tls, true, &connection), NATS_OK)
      << nats_GetLastError(nullptr) << "\n"
      << server.logTail();
  EXPECT_TRUE(waitFor([&] { return server.connections() == 1; }, milliseconds(5000)));
  natsConnection_Destroy(connection);
  EXPECT_TRUE(waitFor([&] { return server.connections() == 0; }, milliseconds(5000)));
}

TEST(NatsClusterTest, RoutesAndElectsANewMetaLeaderWhenTheLeaderStops) {
  NatsClusterOptions options;
  options.member.jetStream = true;
  NatsCluster cluster(options);
  ASSERT_EQ(cluster.urls().size(), 3u);
  EXPECT_EQ(cluster.url().find(cluster.server(0).url()), 0u);
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(cluster.server(i).routes(), 2) << cluster.server(i).serverName();
    EXPECT_TRUE(cluster.server(i).healthy());
  }
  std::string leader = cluster.metaLeader();
  ASSERT_EQ(leader.size(), 2u) << leader;  // n1, n2 or n3

  // SIGTERM: the leader steps down at once. After a SIGKILL the survivors name the dead
  // leader for ~5 s before electing another (waitRouted() waits that out too).
  NatsServer& dead = cluster.server(static_cast<std::size_t>(leader[1] - '1'));
  dead.stop();
  cluster.waitRouted();
  EXPECT_NE(cluster.metaLeader(), leader);
  dead.start();
  cluster.waitRouted();
  EXPECT_EQ(dead.routes(), 2);
}

TEST(NatsClusterTest, KillingAMemberLeavesTheOtherTwoRouted) {
  NatsCluster cluster;
  cluster.server(1).kill();
  cluster.waitRouted();
  EXPECT_EQ(cluster.server(0).routes(), 1);
  EXPECT_EQ(cluster.server(2).routes(), 1);
  Json routez = monitored(cluster.server(0), "/routez");
  EXPECT_EQ(routez["routes"][0]["remote_id"], monitored(cluster.server(2), "/varz")["server_id"]);

  cluster.server(1).start();  // same ports: the others' configured routes reach it again
  cluster.waitRouted();
  EXPECT_EQ(cluster.server(1).routes(), 2);
}

}  // namespace
}  // namespace drover::testing
