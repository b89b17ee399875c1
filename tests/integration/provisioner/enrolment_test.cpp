// First-boot enrolment and registration checks against real droverd nodes: a node that
// boots with only a provisioning token is enrolled by the provisioner (CSR signed by the
// fleet's CA) before its first step; a wrong token gets nothing; forged master
// registrations are ignored.
#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/envelope/envelope.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/ids.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

const char* kProvisionPolicy =
    "default: deny\nrules:\n  - allow:\n      callers: \"*\"\n"
    "      roles: [provisioner]\n      actions: \"*\"\n";

NodeSpec enrollingSpec(const std::string& identity, const std::string& region,
                       const std::string& token) {
  NodeSpec s = spec(identity, region, "fprov");
  s.security = NodeSecurity::ProvisioningToken;
  s.provisioningToken = token;
  s.policies.push_back({"provision", kProvisionPolicy});
  // An enrolling node cannot answer the provisioner's start-up sweep (rpcutil is not
  // served yet): it is found by its next registration.
  s.extraArgs = {"--registration-interval", "1"};
  return s;
}

std::size_t issuedFor(Fleet& fleet, const std::string& name) {
  std::size_t n = 0;
  for (const auto& c : fleet.ca().issued()) n += c.name == name;
  return n;
}

class EnrolmentIT : public ::testing::Test {
 protected:
  std::vector<std::string> enrolmentArgs(const std::string& token) {
    fs::path file = tokens_.path() / "accepted.token";
    util::writeFileAtomically(file, token, 0600);
    return {"--enrolment-token-files", file.string(), "--enrolment-ca-dir", fleet.caDir().string()};
  }

  Fleet fleet;
  testing::TempDir tokens_;
};

constexpr const char* kToken = "token: 0123456789abcdef0123456789abcdef\n";

TEST_F(EnrolmentIT, ANodeBootingWithATokenIsEnrolledThenProvisioned) {
  fleet.addNodes({spec("pm-eu", "eu", "fca"), enrollingSpec("node-eu-1", "eu", kToken)});
  Node& node = fleet.node("node-eu-1");
  ASSERT_FALSE(fs::exists(node.credentials().cert));
  Provisioner p(fleet, "prov1.provisioner", enrolmentArgs(kToken), "enrol_flow.yaml");
  p.start();
  ASSERT_TRUE(testing::waitFor([&] { return invocations(node)["run production"] == 1; }, 60s))
      << p.log() << fleet.logs();
  EXPECT_TRUE(fs::exists(node.credentials().cert));
  EXPECT_EQ(issuedFor(fleet, "node-eu-1"), 1u);
  EXPECT_EQ(invocations(fleet.node("pm-eu"))["sign node-eu-1"], 1);
  // Enrolled, the node answers an admin's signed request with a signed reply.
  Result ping = fleet.drover({"ping", "-I", "node-eu-1"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  Result history = fleet.drover({"provision", "history", "node-eu-1"});
  EXPECT_THAT(history.out, ::testing::HasSubstr("enrol")) << history;
  EXPECT_THAT(history.out, ::testing::HasSubstr("certificate_issued")) << history;
  EXPECT_THAT(p.log(), ::testing::HasSubstr("node=node-eu-1 enrolled"));
  EXPECT_EQ(p.stop(), 0) << p.log();
}

TEST_F(EnrolmentIT, AWrongTokenFailsTheNodeAndIsNeverSigned) {
  fleet.addNodes({spec("pm-eu", "eu", "fca"),
                  enrollingSpec("node-eu-2", "eu", "token: ffffffffffffffffffffffffffffffff\n")});
  Provisioner p(fleet, "prov1.provisioner", enrolmentArgs(kToken), "enrol_flow.yaml");
  p.start();
  ASSERT_TRUE(testing::waitFor(
      [&] { return p.events().find("\"event\":\"failed\"") != std::string::npos; }, 60s))
      << p.log();
  EXPECT_THAT(p.events(), ::testing::HasSubstr("wrong provisioning token"));
  EXPECT_THAT(p.events(), ::testing::HasSubstr("\"failed_step\":\"enrol\""));
  EXPECT_EQ(issuedFor(fleet, "node-eu-2"), 0u);
  EXPECT_FALSE(fs::exists(fleet.node("node-eu-2").credentials().cert));
  EXPECT_TRUE(invocations(fleet.node("node-eu-2")).empty());
}

TEST_F(EnrolmentIT, WithoutEnrolmentSettingsAnEnrollingNodeWaits) {
  fleet.addNodes({spec("pm-eu", "eu", "fca"), enrollingSpec("node-eu-3", "eu", kToken)});
  Provisioner p(fleet, "prov1.provisioner", {}, "enrol_flow.yaml");
  p.start();
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return p.metrics().find("drover_provisioner_enrolment_blocked_nodes 1\n") !=
               std::string::npos;
      },
      30s))
      << p.log() << p.metrics();
  EXPECT_THAT(p.log(), ::testing::HasSubstr("node=node-eu-3 is enrolling and waits"));
  EXPECT_TRUE(invocations(fleet.node("node-eu-3")).empty());
  EXPECT_EQ(issuedFor(fleet, "node-eu-3"), 0u);
}

// Publishes registrations of would-be masters in region eu until stopped: unsigned (which
// only an enrolling node may send, and never as a master), signed by a node for another
// name, and signed by an admin certificate.
class Forger {
 public:
  explicit Forger(Fleet& fleet) : fleet_(fleet) {
    mallory_ = fleet.issue("mallory.example.com", security::Role::Node);
    thread_ = std::thread([this] { run(); });
  }
  ~Forger() {
    stop_ = true;
    thread_.join();
  }

 private:
  envelope::Envelope registration(const std::string& sender, const std::string& identity,
                                  const std::string& security) {
    envelope::Envelope env;
    env.id = util::randomId();
    env.type = envelope::MessageType::Registration;
    env.sender = sender;
    env.collective = "drover";
    env.time = util::nowMs();
    env.data = {{"identity", identity},
                {"agents", {"fca", "rpcutil"}},
                {"facts", {{"region", "eu"}, {"puppet_address", "127.0.0.1"}}},
                {"security", security},
                {"started_ms", 1}};
    return env;
  }

  void run() {
    zmq::context_t context(1);
    auto transport = bus::connect(context, fleet_.endpoints());
    auto& connection = *transport;
    connection.waitReady(5s);
    security::Signer mallory = security::Signer::fromFiles(mallory_.key, mallory_.cert);
    auto admin = fleet_.adminSecurity();
    std::string topic = bus::registrationTopic("drover");
    while (!stop_) {
      std::vector<envelope::Envelope> forged{
          registration("pm-forged-a", "pm-forged-a", "enrolling"),
          registration("pm-forged-b", "pm-forged-b", "enforcing"),
          registration("mallory.example.com", "pm-forged-c", "enforcing"),
          registration(Fleet::kAdmin, Fleet::kAdmin, "enforcing")};
      security::signEnvelope(forged[2], mallory);
      security::signEnvelope(forged[3], *admin->signer);
      for (const auto& env : forged) connection.publish(topic, envelope::encode(env));
      std::this_thread::sleep_for(100ms);
    }
  }

  Fleet& fleet_;
  Credentials mallory_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(EnrolmentIT, ForgedMasterRegistrationsAreIgnored) {
  fleet.addNodes({spec("pm-us", "us", "fca"), spec("node-eu-4", "eu", "fprov")});
  Forger forger(fleet);
  Provisioner p(fleet, "prov1.provisioner", {}, "test_flow.yaml");
  p.start();
  // A forged master in the node's region would win the choice over pm-us.
  ASSERT_TRUE(testing::waitFor(
      [&] { return invocations(fleet.node("node-eu-4"))["run production"] == 1; }, 60s))
      << p.log();
  EXPECT_EQ(invocations(fleet.node("pm-us"))["sign node-eu-4"], 1);
  std::string log = p.log();
  EXPECT_THAT(log,
              ::testing::HasSubstr("node=pm-forged-a: unsigned registration hosting fca ignored"));
  EXPECT_THAT(
      log, ::testing::HasSubstr("unsigned registration from 'pm-forged-b' (security 'enforcing')"));
  EXPECT_THAT(log, ::testing::HasSubstr(
                       "registration from 'mallory.example.com' speaks for 'pm-forged-c'"));
  EXPECT_THAT(log, ::testing::HasSubstr("registration from 'integration.admin' is signed with a "
                                        "certificate of role admin, not node"));
  EXPECT_THAT(log, ::testing::Not(::testing::HasSubstr("master=pm-forged")));
}

}  // namespace
}  // namespace drover::integration
