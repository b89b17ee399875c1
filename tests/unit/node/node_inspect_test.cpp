// NodeCore::inspect as a table: which arrivals run, which are answered with a signed
// refusal, which are dropped unanswered and which are not for this node at all. The
// node here has security on with a real CA (no sockets): what reaches it is what was
// decoded from the wire.
#include <gtest/gtest.h>

#include "agents/builtin.hpp"
#include "core/bus/topics.hpp"
#include "core/ddl/repository.hpp"
#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "node/external_agent.hpp"
#include "node/node_core.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::node {
namespace {

using envelope::Envelope;
using Kind = Decision::Kind;
using security::Role;

const std::string kOwnTopic = bus::nodeTopic("drover", "web1");
const std::string kPingBroadcast = bus::broadcastTopic("drover", "rpcutil");

class NodeInspect : public ::testing::Test {
 protected:
  NodeInspect()
      : ddls_({std::string(DROVER_SOURCE_DIR) + "/ddl"}),
        admin_(collective_.issue("alice.admin", Role::Admin).signer()),
        otherNode_(collective_.issue("web2", Role::Node).signer()) {
    NodeSecurity::Parts parts;
    parts.mode = SecurityMode::Enforcing;
    parts.store = collective_.store();
    security::testing::Identity web1 = collective_.issue("web1", Role::Node);
    nodeCertPem_ = web1.certPem;
    parts.signer = std::make_shared<const security::Signer>(web1.signer());
    NodeIdentity id;
    id.identity = "web1";
    id.maxSkewMs = 5000;
    core_ = std::make_unique<NodeCore>(id, std::make_shared<NodeSecurity>(std::move(parts)));
    for (auto& agent : agents::makeBuiltinAgents(ddls_, *core_)) core_->addAgent(std::move(agent));
  }

  // A fresh rpcutil#ping, as a client would build it before signing.
  static Envelope ping(std::vector<std::string> targets = {}) {
    Envelope env;
    env.id = util::randomId();
    env.collective = "drover";
    env.agent = "rpcutil";
    env.action = "ping";
    env.time = util::nowMs();
    env.ttl = 60;
    env.replyTo = "drover.reply." + util::randomId();
    env.targets = std::move(targets);
    return env;
  }

  // Signed by `signer` and sent through the codec, as the node would receive it.
  static Envelope signedBy(Envelope env, const security::Signer& signer) {
    security::signEnvelope(env, signer);
    return envelope::decode(envelope::encode(env));
  }

  Envelope fromAdmin(Envelope env) { return signedBy(std::move(env), admin_); }

  Decision inspect(const Envelope& env, const std::string& topic) {
    return core_->inspect(env, topic);
  }

  security::testing::TestCollective collective_;
  ddl::Repository ddls_;
  security::Signer admin_;
  security::Signer otherNode_;
  std::string nodeCertPem_;  // web1's
  std::unique_ptr<NodeCore> core_;
};

TEST_F(NodeInspect, ADirectRequestRunsOnlyOnTheNodesItNames) {
  EXPECT_EQ(inspect(fromAdmin(ping({"web1"})), kOwnTopic).kind, Kind::Run);
  EXPECT_EQ(inspect(fromAdmin(ping({"web0", "web1", "web2"})), kPingBroadcast).kind, Kind::Run);
  // A request for web2, captured and re-published on the broadcast topic or web1's own.
  for (const auto& topic : {kPingBroadcast, kOwnTopic}) {
    Decision decision = inspect(fromAdmin(ping({"web2"})), topic);
    EXPECT_EQ(decision.kind, Kind::Ignore) << topic;
    EXPECT_EQ(decision.reason, "addressed to 1 other node(s), not this one");
  }
}

// The copy it ignored must not spoil the original arriving later.
TEST_F(NodeInspect, AnIgnoredCopyLeavesTheOriginalRunnable) {
  Envelope request = fromAdmin(ping({"web1"}));
  Envelope forOther = request;
  forOther.targets = {"web2"};  // breaks the signature, but is ignored before it is read
  EXPECT_EQ(inspect(forOther, kPingBroadcast).kind, Kind::Ignore);
  EXPECT_EQ(inspect(request, kOwnTopic).kind, Kind::Run);
}

TEST_F(NodeInspect, ATopicThatDoesNotFitTheRequestIsIgnored) {
  EXPECT_EQ(inspect(fromAdmin(ping()), bus::broadcastTopic("drover", "puppet")).kind, Kind::Ignore);
  EXPECT_EQ(inspect(fromAdmin(ping()), bus::nodeTopic("drover", "web2")).kind, Kind::Ignore);
  Envelope other = ping();
  other.collective = "elsewhere";
  EXPECT_EQ(inspect(fromAdmin(other), bus::broadcastTopic("elsewhere", "rpcutil")).kind,
            Kind::Ignore);
}

// Unsigned, forged, replayed: dropped without a word, direct or broadcast.
TEST_F(NodeInspect, NothingButAVerifiedCallerIsAnswered) {
  Envelope request = fromAdmin(ping({"web1"}));
  Envelope unsigned_ = request;
  unsigned_.sig.clear();
  Envelope forged = request;
  forged.action = "inventory";
  for (const auto& topic : {kOwnTopic, kPingBroadcast}) {
    EXPECT_EQ(inspect(unsigned_, topic).kind, Kind::Drop) << topic;
    EXPECT_EQ(inspect(forged, topic).kind, Kind::Drop) << topic;
  }
  EXPECT_EQ(inspect(request, kOwnTopic).kind, Kind::Run);
  Decision again = inspect(request, kOwnTopic);
  EXPECT_EQ(again.kind, Kind::Drop);
  EXPECT_NE(again.reason.find("replay"), std::string::npos) << again.reason;
  EXPECT_EQ(inspect(request, kPingBroadcast).kind, Kind::Drop);
}

// A caller that asks for it (`reply_mac`) is answered with a MAC only it can check, for
// results and refusals alike; any other caller, with a signature as before.
TEST_F(NodeInspect, ACallerThatAsksIsAnsweredWithAMacForItAlone) {
  auto store = collective_.store();
  Envelope asking = ping({"web1"});
  asking.replyMac = true;
  asking = fromAdmin(asking);
  Decision decision = inspect(asking, kOwnTopic);
  ASSERT_EQ(decision.kind, Kind::Run);
  Envelope reply = envelope::decode(envelope::encode(core_->execute(decision, asking)));
  EXPECT_TRUE(reply.sig.empty());
  EXPECT_EQ(reply.mac.size(), envelope::kMacSize);
  EXPECT_EQ(security::verifyEnvelope(reply, *store, util::nowMs(), &admin_).name, "web1");
  EXPECT_THROW(security::verifyEnvelope(reply, *store, util::nowMs(), &otherNode_),
               security::VerifyError);
  EXPECT_THROW(security::verifyEnvelope(reply, *store, util::nowMs()), security::VerifyError);

  Envelope late = ping({"web1"});
  late.time -= 120'000;
  late.replyMac = true;
  Decision refused = inspect(fromAdmin(late), kOwnTopic);
  ASSERT_EQ(refused.kind, Kind::Reply);
  EXPECT_FALSE(refused.reply.mac.empty());
  EXPECT_EQ(security::verifyEnvelope(envelope::decode(envelope::encode(refused.reply)), *store,
                                     util::nowMs(), &admin_)
                .name,
            "web1");

  Envelope notAsking = fromAdmin(ping({"web1"}));
  Decision plain = inspect(notAsking, kOwnTopic);
  ASSERT_EQ(plain.kind, Kind::Run);
  Envelope signedReply = core_->execute(plain, notAsking);
  EXPECT_TRUE(signedReply.mac.empty());
  EXPECT_EQ(security::verifyEnvelope(envelope::decode(envelope::encode(signedReply)), *store,
                                     util::nowMs())
                .name,
            "web1");
}

// A signed request that also carries a MAC for this node runs (the MAC is checked in
// place of the signature); one whose MAC was made for another key runs on its signature.
TEST_F(NodeInspect, ARequestMacedForThisNodeBesideItsSignatureRuns) {
  security::X509Ptr own = security::certificateFromPem(nodeCertPem_);
  security::X509Ptr other = security::certificateFromDer(otherNode_.certificateDer());
  auto macChecked = [&] { return core_->stats().value("mac_checked", std::uint64_t{0}); };
  const std::uint64_t before = macChecked();
  for (EVP_PKEY* key : {X509_get0_pubkey(own.get()), X509_get0_pubkey(other.get())}) {
    Envelope request = ping({"web1"});
    security::signEnvelope(request, admin_);
    request.mac =
        admin_.pairwise().mac(security::rawPublicKey(key), envelope::signingBytes(request));
    ASSERT_FALSE(request.mac.empty());
    EXPECT_EQ(inspect(envelope::decode(envelope::encode(request)), kOwnTopic).kind, Kind::Run);
  }
  EXPECT_EQ(macChecked(), before + 1) << "only the MAC made for web1 spares the signature";
}

// Requests are signed: a MAC a node could check (made for its key) still does not
// stand in for the caller's signature, so nothing runs and nothing answers.
TEST_F(NodeInspect, AMacedRequestIsDroppedUnanswered) {
  Envelope request = ping({"web1"});
  request.sender = "alice.admin";
  security::X509Ptr own = security::certificateFromPem(nodeCertPem_);
  security::macEnvelope(request, admin_, X509_get0_pubkey(own.get()));
  Envelope wire = envelope::decode(envelope::encode(request));
  for (const auto& topic : {kOwnTopic, kPingBroadcast}) {
    EXPECT_EQ(inspect(wire, topic).kind, Kind::Drop) << topic;
  }
}

// The prefix is the collective's reply topic with its dot, and nothing runs for a
// request whose answer could not be delivered.
TEST_F(NodeInspect, AReplyTopicThatIsNotTheCallersIsDroppedBeforeAnythingRuns) {
  for (const char* topic : {"drover.replyx", "drover.reply.", "drover.reply", "drover.replyx.a",
                            "other.reply.abc", "drover.node.web2", "drover.broadcast.agent.x"}) {
    Envelope request = ping({"web1"});
    request.replyTo = topic;
    Decision decision = inspect(fromAdmin(request), kOwnTopic);
    EXPECT_EQ(decision.kind, Kind::Drop) << topic;
  }
}

// One rule for time, with the configured skew: refusals answer the verified caller,
// name the refusal and the exact message refused.
TEST_F(NodeInspect, TimeIsCheckedOnceWithTheConfiguredSkew) {
  struct Case {
    std::int64_t offsetMs;
    std::uint32_t ttl;
    const char* refusal;
  };
  for (const Case& c : {Case{10'000, 60, "from_future"}, Case{-61'000, 60, "expired"},
                        Case{0, 7200, "ttl_too_long"}}) {
    Envelope request = ping({"web1"});
    request.time += c.offsetMs;
    request.ttl = c.ttl;
    request = fromAdmin(request);
    Decision decision = inspect(request, kOwnTopic);
    ASSERT_EQ(decision.kind, Kind::Reply) << c.refusal;
    EXPECT_EQ(decision.reply.status.code, envelope::StatusCode::Refused);
    EXPECT_EQ(decision.reply.data["refused"], c.refusal);
    EXPECT_EQ(decision.reply.requestDigest, envelope::requestDigest(request));
    EXPECT_EQ(decision.reply.requestId, request.id);
  }
  Envelope nearlyNow = ping({"web1"});
  nearlyNow.time += 4'000;  // inside the 5 s skew
  EXPECT_EQ(inspect(fromAdmin(nearlyNow), kOwnTopic).kind, Kind::Run);
}

TEST_F(NodeInspect, AResultNamesTheExactRequestItAnswers) {
  Envelope request = fromAdmin(ping({"web1"}));
  Decision decision = inspect(request, kOwnTopic);
  ASSERT_EQ(decision.kind, Kind::Run);
  Envelope reply = core_->execute(decision, request);
  EXPECT_EQ(reply.requestDigest, envelope::requestDigest(request));
  EXPECT_FALSE(reply.sig.empty());
}

// A reply says how long its action took and how much of it went to the programs the
// action ran: none for a built-in ping, the whole program for an external agent.
TEST_F(NodeInspect, AReplySaysWhatItsActionAndItsProgramsTook) {
  Envelope request = fromAdmin(ping({"web1"}));
  Decision decision = inspect(request, kOwnTopic);
  ASSERT_EQ(decision.kind, Kind::Run);
  Envelope pong = envelope::decode(envelope::encode(core_->execute(decision, request)));
  EXPECT_GT(pong.timing.actionUs, 0u);
  EXPECT_EQ(pong.timing.programUs, 0u);
  EXPECT_EQ(pong.timing.programs, 0u);
  EXPECT_EQ(pong.timing.queuedUs, 0u);  // run where it arrived

  // The example external agent, on a node without security (no policy to write for it).
  NodeIdentity id;
  id.identity = "web1";
  NodeCore plain(id);
  auto loaded = loadExternalAgents({std::string(DROVER_SOURCE_DIR) + "/agents/examples"});
  for (auto& agent : loaded.agents) {
    if (agent->name() == "echo") plain.addAgent(std::move(agent));
  }
  Envelope echo = ping({"web1"});
  echo.agent = "echo";
  echo.action = "echo";
  echo.args = Json{{"message", "hello"}};
  echo.sender = "alice.admin";
  request = envelope::decode(envelope::encode(echo));
  decision = plain.inspect(request, kOwnTopic);
  ASSERT_EQ(decision.kind, Kind::Run) << decision.reason;
  Envelope reply = envelope::decode(
      envelope::encode(plain.execute(decision, request, std::chrono::microseconds(1500))));
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  EXPECT_EQ(reply.timing.queuedUs, 1500u);
  EXPECT_EQ(reply.timing.programs, 1u);
  EXPECT_GT(reply.timing.programUs, 0u);
  EXPECT_LE(reply.timing.programUs, reply.timing.actionUs);
}

// A node named directly (from a registry lookup) whose facts the filter no longer matches
// says so in a signed refusal, and runs nothing; on a broadcast it stays silent.
TEST_F(NodeInspect, AFilterThatNoLongerMatchesIsSaidToACallerThatNamedTheNode) {
  Envelope named = ping({"web1"});
  named.filter = "role=db";
  Decision direct = inspect(fromAdmin(named), kOwnTopic);
  ASSERT_EQ(direct.kind, Kind::Reply);
  EXPECT_EQ(direct.reply.status.code, envelope::StatusCode::Refused);
  EXPECT_EQ(direct.reply.data.value("refused", ""), envelope::kFilterMismatch);
  EXPECT_EQ(direct.reply.status.message, "the request's filter does not match web1");
  EXPECT_FALSE(direct.reply.sig.empty());

  Envelope broadcast = ping();
  broadcast.filter = "role=db";
  Decision silent = inspect(fromAdmin(broadcast), kPingBroadcast);
  EXPECT_EQ(silent.kind, Kind::Ignore);
  EXPECT_EQ(silent.reason, "filter does not match");
}

}  // namespace
}  // namespace drover::node
