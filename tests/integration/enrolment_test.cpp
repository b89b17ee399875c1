// First-boot enrolment against real droverd processes: the test plays the provisioner
// (a `.provisioner` certificate and the tokens it accepts) and the CA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/security/enrolment.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kImageToken = "token: 0123456789abcdef0123456789abcdef\n";

NodeSpec fresh(const std::string& identity, std::string token = kImageToken) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: eu-west-1\n";
  spec.security = NodeSecurity::ProvisioningToken;
  spec.provisioningToken = std::move(token);
  return spec;
}

// A token as the provisioner holds it.
security::ProvisioningToken tokenFrom(const std::string& yaml) {
  testing::TempDir dir;
  return security::ProvisioningToken::load(dir.write("token.yaml", yaml));
}

class Enrolment : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({fresh("fresh-ok"), fresh("fresh-wrong"),
                fresh("fresh-stale", std::string(kImageToken) + "expires: 2020-01-01T00:00:00Z\n"),
                fresh("fresh-other")});
  }

  void SetUp() override {
    FleetSuite::SetUp();
    Credentials provisioner = fleet().issue("enrol-" + std::to_string(counter_++) + ".provisioner",
                                            security::Role::Provisioner);
    auto own = std::make_shared<rpc::ClientSecurity>(*fleet().adminSecurity());
    own->signer = std::make_shared<const security::Signer>(
        security::Signer::fromFiles(provisioner.key, provisioner.cert));
    provisioner_ = std::make_unique<rpc::Client>(context_, fleet().endpoints(), "", "drover",
                                                 5000ms, bus::ConnectionOptions{}, own);
    admin_ = std::make_unique<rpc::Client>(context_, fleet().endpoints(), "", "drover", 5000ms,
                                           bus::ConnectionOptions{}, fleet().adminSecurity());
  }

  rpc::CallResult call(rpc::Client& client, const std::string& node, const std::string& action,
                       Json args = Json::object(), const std::string& agent = "provision") {
    rpc::CallSpec spec;
    spec.agent = agent;
    spec.action = action;
    spec.args = std::move(args);
    spec.nodes = std::vector<std::string>{node};
    spec.timeout = 5s;
    spec.acceptUnsigned = true;  // an enrolling node has no key to sign with yet
    return client.call(spec);
  }

  // enrol, as the provisioner: the node's reply, which must be there.
  rpc::NodeReply enrol(const std::string& node) {
    rpc::CallResult result = call(*provisioner_, node, "enrol");
    lastRequestId_ = result.requestId;
    EXPECT_EQ(result.replies.size(), 1u) << "no reply to enrol from " << node;
    return result.replies.empty() ? rpc::NodeReply{} : result.replies.front();
  }

  rpc::CallResult adminPing(const std::string& node) {
    return call(*admin_, node, "ping", Json::object(), "rpcutil");
  }

  static inline int counter_ = 0;
  zmq::context_t context_{1};
  std::unique_ptr<rpc::Client> provisioner_;
  std::unique_ptr<rpc::Client> admin_;
  std::string lastRequestId_;
};

TEST_F(Enrolment, RightTokenGetsACertificateAndTheNodeThenSignsItsReplies) {
  rpc::CallResult before = adminPing("fresh-ok");
  ASSERT_EQ(before.replies.size(), 1u);
  EXPECT_THAT(before.replies[0].status.message, HasSubstr("only the provision agent"));

  rpc::NodeReply reply = enrol("fresh-ok");
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_FALSE(reply.verified) << "an enrolling node has no certificate to sign with";
  EXPECT_EQ(reply.data["enrolled"], false);
  std::string csr = reply.data["csr"];
  std::vector<security::ProvisioningToken> accepted{tokenFrom(kImageToken)};
  EXPECT_NO_THROW(security::checkEnrolment(accepted, "fresh-ok", lastRequestId_, csr,
                                           reply.data["proof"].get<std::string>(), util::nowMs()));
  std::string certificate = fleet().ca().sign(csr, security::Role::Node);

  rpc::CallResult installed =
      call(*provisioner_, "fresh-ok", "install_certificate", {{"certificate", certificate}});
  ASSERT_EQ(installed.replies.size(), 1u);
  EXPECT_EQ(installed.replies[0].status.code, StatusCode::Ok)
      << installed.replies[0].status.message;
  EXPECT_TRUE(installed.replies[0].verified) << "the answer should be signed with the new key";

  rpc::CallResult after = adminPing("fresh-ok");
  ASSERT_EQ(after.replies.size(), 1u);
  EXPECT_EQ(after.replies[0].status.code, StatusCode::Ok) << after.replies[0].status.message;
  EXPECT_TRUE(after.replies[0].verified);
  EXPECT_TRUE(fs::exists(fleet().node("fresh-ok").credentials().cert));
  EXPECT_THAT(fleet().node("fresh-ok").log(), HasSubstr("enrolled"));

  rpc::CallResult again = call(*provisioner_, "fresh-ok", "enrol");
  ASSERT_EQ(again.replies.size(), 1u);
  EXPECT_EQ(again.replies[0].data["enrolled"], true) << "enrol must be idempotent";
}

TEST_F(Enrolment, WrongTokenGetsNothing) {
  rpc::NodeReply reply = enrol("fresh-wrong");
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  std::vector<security::ProvisioningToken> accepted{
      tokenFrom("token: ffffffffffffffffffffffffffffffff\n")};
  try {
    security::checkEnrolment(accepted, "fresh-wrong", lastRequestId_,
                             reply.data["csr"].get<std::string>(),
                             reply.data["proof"].get<std::string>(), util::nowMs());
    FAIL() << "a proof made with another token was accepted";
  } catch (const security::EnrolmentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("wrong provisioning token"));
  }
  // A proof does not carry over to another request either.
  std::vector<security::ProvisioningToken> right{tokenFrom(kImageToken)};
  EXPECT_THROW(security::checkEnrolment(right, "fresh-wrong", "another-request",
                                        reply.data["csr"].get<std::string>(),
                                        reply.data["proof"].get<std::string>(), util::nowMs()),
               security::EnrolmentError);
  rpc::CallResult ping = adminPing("fresh-wrong");
  ASSERT_EQ(ping.replies.size(), 1u);
  EXPECT_EQ(ping.replies[0].status.code, StatusCode::Refused) << "the node is still enrolling";
}

TEST_F(Enrolment, ProvisionerRefusesAnExpiredToken) {
  rpc::NodeReply reply = enrol("fresh-other");
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  std::vector<security::ProvisioningToken> accepted{
      tokenFrom(std::string(kImageToken) + "expires: 2020-01-01T00:00:00Z\n")};
  try {
    security::checkEnrolment(accepted, "fresh-other", lastRequestId_,
                             reply.data["csr"].get<std::string>(),
                             reply.data["proof"].get<std::string>(), util::nowMs());
    FAIL() << "an expired token was accepted";
  } catch (const security::EnrolmentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expired"));
  }
}

TEST_F(Enrolment, NodeWithAnExpiredTokenRefusesToEnrol) {
  rpc::CallResult result = call(*provisioner_, "fresh-stale", "enrol");
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].status.code, StatusCode::Refused);
  EXPECT_THAT(result.replies[0].status.message, HasSubstr("expired"));
  EXPECT_EQ(result.replies[0].data.value("csr", ""), "") << "a CSR left the node";
}

TEST_F(Enrolment, CertificateForAnotherNameIsNotInstalled) {
  rpc::NodeReply reply = enrol("fresh-other");
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  Credentials other = fleet().issue("someone-else", security::Role::Node);
  rpc::CallResult installed = call(*provisioner_, "fresh-other", "install_certificate",
                                   {{"certificate", util::readFile(other.cert)}});
  ASSERT_EQ(installed.replies.size(), 1u);
  EXPECT_EQ(installed.replies[0].status.code, StatusCode::InvalidData);
  EXPECT_THAT(installed.replies[0].status.message, HasSubstr("does not fit this node's key"));
  EXPECT_FALSE(fs::exists(fleet().node("fresh-other").credentials().cert));
}

TEST_F(Enrolment, AdminCannotEnrolANode) {
  rpc::CallResult result = call(*admin_, "fresh-other", "enrol");
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].status.code, StatusCode::Refused);
  EXPECT_THAT(result.replies[0].status.message, HasSubstr("only provisioners"));
}

// naming runs on every node, but not before it is enrolled: not even a provisioner can
// rename a node that has no certificate yet.
TEST_F(Enrolment, AnEnrollingNodeDoesNotServeNaming) {
  rpc::CallResult result =
      call(*provisioner_, "fresh-other", "set_name", {{"name", "web-0"}}, "naming");
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].status.code, StatusCode::Refused);
  EXPECT_THAT(result.replies[0].status.message, HasSubstr("only the provision agent"));
}

}  // namespace
}  // namespace drover::integration
