// First-boot enrolment in the engine: a fake node answers provision#enrol with a real CSR
// and proof; a real CA (in a temporary directory) signs through CaEnroller.
#include <atomic>
#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "core/security/certificate.hpp"
#include "core/security/keys.hpp"
#include "core/util/files.hpp"
#include "provisioner/engine.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

const char* kFlow = R"(name: test
claim: {timeout: 1s, retries: 2, backoff: {initial: 10ms, max: 20ms}}
already_provisioned: {agent: provision, action: status, when: {completed_steps: run}}
steps:
  - name: run
    agent: provision
    action: run_puppet
    timeout: 1s
  - name: notify
    notify: provisioned
)";

const char* kGoodToken = "token: 0123456789abcdef0123456789abcdef\n";
const char* kOtherToken = "token: ffffffffffffffffffffffffffffffff\n";

// A first-boot node: keeps its key across enrol calls, as provision#enrol does.
class FakeNode : public StepExecutor {
 public:
  explicit FakeNode(std::string tokenText)
      : token_(security::ProvisioningToken::parse(tokenText, "node token")),
        key_(security::generateKey()) {}

  std::vector<CallReply> call(const CallRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string& node = request.nodes.front();
    std::string key = request.agent + "#" + request.action;
    ++counts_[key];
    unsignedOk_[key] = request.acceptUnsigned;
    std::string requestId = "req" + std::to_string(++ids_);
    CallReply reply{node, true, {}, Json::object(), requestId, enrolled_};
    if (request.action == "claim") {
      reply.data = {{"granted", true}};
    } else if (request.action == "enrol") {
      if (enrolled_) {
        reply.data = {{"enrolled", true}, {"csr", ""}, {"proof", ""}};
      } else {
        std::string csr = security::csrToPem(security::makeCsr(key_.get(), node).get());
        reply.data = {{"enrolled", false},
                      {"csr", csr},
                      {"proof", security::enrolmentProof(token_, node, requestId, csr)}};
      }
    } else if (request.action == "install_certificate") {
      if (silentInstalls_ > 0) {
        --silentInstalls_;
        return {CallReply{node, false, {}, Json::object(), requestId, false}};
      }
      certificate_ = request.args.value("certificate", "");
      enrolled_ = true;
      reply.data = {{"installed", true}};
    }
    return {reply};
  }

  void rekey() {
    std::lock_guard lock(mutex_);
    key_ = security::generateKey();
    enrolled_ = false;
  }
  void setEnrolled() {
    std::lock_guard lock(mutex_);
    enrolled_ = true;
  }
  void silenceInstalls(int n) {
    std::lock_guard lock(mutex_);
    silentInstalls_ = n;
  }
  int count(const std::string& key) {
    std::lock_guard lock(mutex_);
    return counts_[key];
  }
  bool acceptedUnsigned(const std::string& key) {
    std::lock_guard lock(mutex_);
    return unsignedOk_[key];
  }
  std::string certificate() {
    std::lock_guard lock(mutex_);
    return certificate_;
  }

 private:
  std::mutex mutex_;
  security::ProvisioningToken token_;
  security::PkeyPtr key_;
  bool enrolled_ = false;
  int silentInstalls_ = 0;
  int ids_ = 0;
  std::string certificate_;
  std::map<std::string, int> counts_;
  std::map<std::string, bool> unsignedOk_;
};

class Events : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event& event) noexcept override {
    std::lock_guard lock(mutex_);
    lines.push_back(std::string(notifiers::kindName(event.kind)) + " " + event.node + " " +
                    event.failedStep + ": " + event.error);
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mutex_);
    return lines;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines;
};

class EnrolmentTest : public ::testing::Test {
 protected:
  EnrolmentTest() : ca(security::CertificateAuthority::create(dir / "ca", "test-ca")) {
    util::writeFileAtomically(dir / "token", kGoodToken, 0600);
  }

  // The engine's threads call the node: it must outlive them.
  ~EnrolmentTest() override {
    if (engine) engine->stop(5s);
  }

  FakeNode& makeNode(const char* token) {
    fake = std::make_unique<FakeNode>(token);
    return *fake;
  }

  void start(FakeNode& node, bool withEnroller = true) {
    if (withEnroller && !enroller) {
      enroller = std::make_unique<CaEnroller>(std::vector<std::filesystem::path>{dir / "token"},
                                              dir / "ca");
    }
    if (!store) store = std::make_unique<Store>(dir / "state.db");
    engine = std::make_unique<Engine>(parseFlow(kFlow, "test.yaml"), EngineOptions{}, *store, node,
                                      events, metrics, withEnroller ? enroller.get() : nullptr);
    engine->start();
  }
  void registerEnrolling(const std::string& id) {
    engine->observe({id, {"provision"}, {{"region", "eu"}}, 1, "enrolling", false});
  }
  bool waitState(const std::string& id, NodeState state) {
    return testing::waitFor([&] { return engine->stateOf(id) == state; }, 10s);
  }
  std::vector<std::string> outcomes(const std::string& id) {
    std::vector<std::string> out;
    store->sync();
    for (const auto& row : store->history(id, 1000)) out.push_back(row.step + ":" + row.outcome);
    return out;
  }
  std::size_t issuedFor(const std::string& name) {
    std::size_t n = 0;
    for (const auto& c : ca.issued()) n += c.name == name;
    return n;
  }

  testing::TempDir dir;
  security::CertificateAuthority ca;
  Events events;
  Metrics metrics;
  std::unique_ptr<CaEnroller> enroller;
  std::unique_ptr<FakeNode> fake;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

TEST_F(EnrolmentTest, AnEnrollingNodeGetsItsCertificateBeforeItsFirstStep) {
  FakeNode& node = makeNode(kGoodToken);
  start(node);
  registerEnrolling("web1.example.com");
  ASSERT_TRUE(waitState("web1.example.com", NodeState::Provisioned)) << engine->status().dump(2);
  EXPECT_EQ(outcomes("web1.example.com"),
            (std::vector<std::string>{
                "claim:granted", "enrol:enrolled", "certificate_issued:issued",
                "already_provisioned:not_provisioned", "run:done", "notify:done", "release:done"}));
  auto cert = security::certificateFromPem(node.certificate());
  EXPECT_EQ(security::certificateName(cert.get()), "web1.example.com");
  EXPECT_EQ(issuedFor("web1.example.com"), 1u);
  EXPECT_TRUE(node.acceptedUnsigned("provision#claim"));
  EXPECT_TRUE(node.acceptedUnsigned("provision#enrol"));
  EXPECT_TRUE(node.acceptedUnsigned("provision#install_certificate"));
  // Enrolled: its replies must verify from now on.
  EXPECT_FALSE(node.acceptedUnsigned("provision#run_puppet"));
  EXPECT_FALSE(node.acceptedUnsigned("provision#release"));
  EXPECT_EQ(engine->node("web1.example.com")->at("enrolment"), "enrolled");
}

TEST_F(EnrolmentTest, AWrongTokenFailsTheNodeAndSignsNothing) {
  FakeNode& node = makeNode(kOtherToken);
  start(node);
  registerEnrolling("web2.example.com");
  ASSERT_TRUE(waitState("web2.example.com", NodeState::Failed));
  EXPECT_EQ(node.count("provision#install_certificate"), 0);
  EXPECT_EQ(node.count("provision#run_puppet"), 0);
  EXPECT_EQ(issuedFor("web2.example.com"), 0u);
  const std::string why =
      "enrol: wrong provisioning token: the enrolment proof of 'web2.example.com' matches none "
      "of the accepted tokens";
  EXPECT_EQ(events.all(), std::vector<std::string>{"failed web2.example.com enrol: " + why});
  EXPECT_EQ(engine->node("web2.example.com")->at("last_error"), why);
}

TEST_F(EnrolmentTest, WithoutEnrolmentSettingsAnEnrollingNodeWaitsAndIsCounted) {
  FakeNode& node = makeNode(kGoodToken);
  start(node, false);
  registerEnrolling("web3.example.com");  // observe() decides at once
  EXPECT_EQ(engine->stateOf("web3.example.com"), NodeState::Waiting);
  EXPECT_EQ(node.count("provision#claim"), 0);
  EXPECT_NE(engine->node("web3.example.com")
                ->at("waiting_for")
                .get<std::string>()
                .find("enrolment.token_files"),
            std::string::npos);
  engine->refreshMetrics();
  EXPECT_NE(metrics.prometheus().find("drover_provisioner_enrolment_blocked_nodes 1\n"),
            std::string::npos);
}

TEST_F(EnrolmentTest, ALostInstallReplyReusesTheIssuedCertificate) {
  FakeNode& node = makeNode(kGoodToken);
  node.silenceInstalls(1);
  start(node);
  registerEnrolling("web4.example.com");
  ASSERT_TRUE(waitState("web4.example.com", NodeState::Provisioned)) << engine->status().dump(2);
  EXPECT_EQ(node.count("provision#enrol"), 2);
  EXPECT_EQ(issuedFor("web4.example.com"), 1u);  // the CA signed once
  auto history = outcomes("web4.example.com");
  EXPECT_EQ(std::count(history.begin(), history.end(), "certificate_issued:issued"), 1);
  EXPECT_EQ(std::count(history.begin(), history.end(), "certificate_issued:reused"), 1);
  EXPECT_EQ(std::count(history.begin(), history.end(), "enrol:retry"), 1);
}

TEST_F(EnrolmentTest, ARestartMidEnrolmentReusesTheCertificateFromTheStore) {
  FakeNode& node = makeNode(kGoodToken);
  node.silenceInstalls(100);  // the first provisioner never sees an install succeed
  start(node);
  registerEnrolling("web5.example.com");
  ASSERT_TRUE(waitState("web5.example.com", NodeState::Failed));
  engine->stop(5s);
  engine.reset();
  store.reset();
  node.silenceInstalls(0);
  start(node);
  engine->retry("web5.example.com", "test");
  ASSERT_TRUE(waitState("web5.example.com", NodeState::Provisioned)) << engine->status().dump(2);
  EXPECT_EQ(issuedFor("web5.example.com"), 1u);
  auto history = outcomes("web5.example.com");
  EXPECT_EQ(history.back(), "release:done");
  EXPECT_EQ(std::count(history.begin(), history.end(), "certificate_issued:reused"), 3);
}

TEST_F(EnrolmentTest, ALiveCertificateForAnotherKeyFailsClearly) {
  FakeNode& node = makeNode(kGoodToken);
  start(node);
  registerEnrolling("web6.example.com");
  ASSERT_TRUE(waitState("web6.example.com", NodeState::Provisioned));
  node.rekey();  // a rebuilt host with the same name; its old certificate is still live
  engine->observe({"web6.example.com", {"provision"}, {{"region", "eu"}}, 2, "enrolling", false});
  ASSERT_TRUE(testing::waitFor(
      [&] { return engine->stateOf("web6.example.com") == NodeState::Failed; }, 10s))
      << engine->status().dump(2);
  EXPECT_NE(engine->node("web6.example.com")
                ->at("last_error")
                .get<std::string>()
                .find("`drover cert revoke --name web6.example.com`"),
            std::string::npos);
  EXPECT_EQ(issuedFor("web6.example.com"), 1u);
}

TEST_F(EnrolmentTest, AnEnrolledNodeIsNotSignedAgain) {
  FakeNode& node = makeNode(kGoodToken);
  node.setEnrolled();
  start(node);
  registerEnrolling("web7.example.com");  // a heartbeat from before its enrolment
  ASSERT_TRUE(waitState("web7.example.com", NodeState::Provisioned));
  EXPECT_EQ(issuedFor("web7.example.com"), 0u);
  EXPECT_EQ(node.count("provision#install_certificate"), 0);
  auto history = outcomes("web7.example.com");
  EXPECT_NE(std::find(history.begin(), history.end(), "enrol:already_enrolled"), history.end());
}

TEST_F(EnrolmentTest, UnsignedRegistrationsNeverMakeAMaster) {
  FakeNode& node = makeNode(kGoodToken);
  start(node);
  engine->observe({"pm-eu", {"puppetca"}, {{"region", "eu"}}, 1, "enrolling", false});
  engine->observe({"web8", {"provision"}, {{"region", "eu"}}, 1, "enforcing", false});
  EXPECT_TRUE(engine->masters().empty());
  EXPECT_FALSE(engine->stateOf("web8").has_value());
  EXPECT_FALSE(engine->stateOf("pm-eu").has_value());
}

}  // namespace
}  // namespace drover::provisioner
