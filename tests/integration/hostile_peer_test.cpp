// A hostile peer on the bus, next to a real admin: it sees every request (any peer may
// subscribe to any topic), re-publishes them elsewhere, sends copies and look-alikes,
// answers in the nodes' place, and floods the nodes with traffic nobody signed. The
// admin uses the real `drover` CLI; the nodes are real droverd processes.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>

#include <msgpack.hpp>

#include "tests/integration/attack_suite.hpp"

namespace drover::integration::attack {
namespace {

constexpr const char* kEu2 = "attack-eu2";

// Listens on `topics` in a thread of its own and, the first time it sees a request (by
// id: it hears its own copies too), publishes what `react` returns (topic, body pairs).
// Stops when destroyed.
class Interceptor {
 public:
  using Reaction = std::function<std::vector<std::pair<std::string, std::string>>(const Envelope&)>;

  Interceptor(const Fleet& fleet, std::vector<std::string> topics, Reaction react)
      : endpoints_(fleet.endpoints()), topics_(std::move(topics)), react_(std::move(react)) {
    thread_ = std::thread([this] { run(); });
    std::unique_lock lock(mutex_);
    readyChanged_.wait(lock, [this] { return ready_; });
  }
  ~Interceptor() {
    stop_ = true;
    thread_.join();
  }

  /// Requests it saw and reacted to.
  int seen() const { return seen_.load(); }

 private:
  void run() {
    zmq::context_t context(1);
    auto transport = bus::connect(context, endpoints_);
    auto& connection = *transport;
    for (const auto& topic : topics_) connection.subscribe(topic);
    connection.waitReady(5s);
    {
      std::lock_guard lock(mutex_);
      ready_ = true;
    }
    readyChanged_.notify_all();
    std::set<std::string> ids;
    while (!stop_) {
      auto message = connection.receive(50ms);
      if (!message) continue;
      Envelope request;
      try {
        request = envelope::decode(message->body);
      } catch (const envelope::DecodeError&) {
        continue;
      }
      if (request.type != envelope::MessageType::Request || !ids.insert(request.id).second)
        continue;
      ++seen_;
      for (const auto& [topic, body] : react_(request)) connection.publish(topic, body);
    }
  }

  bus::Endpoints endpoints_;
  std::vector<std::string> topics_;
  Reaction react_;
  std::mutex mutex_;
  std::condition_variable readyChanged_;
  bool ready_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> seen_{0};
  std::thread thread_;
};

class HostilePeer : public AttackSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({witnessNode(kEu, "eu-west-1"), witnessNode(kEu2, "eu-west-1"),
                witnessNode(kUs, "us-east-1")});
  }

  static std::string nodeTopic(const std::string& node) { return bus::nodeTopic("drover", node); }
  static std::string witnessBroadcast() { return bus::broadcastTopic("drover", "witness"); }

  // A reply to `request` signed by `signer`, as if it came from `signer`'s node.
  static std::string replyAs(const Envelope& request, const security::Signer& signer, Json data) {
    Envelope reply = envelope::makeReply(request, signer.name(), {}, std::move(data));
    security::signEnvelope(reply, signer);
    return envelope::encode(reply);
  }

  // `drover ARGS` with the witness agent's DDL beside the shipped ones.
  static Result drover(std::vector<std::string> args) {
    std::vector<std::string> all = {"--ddl-dirs", ddlDir().string(), "--ddl-dirs",
                                    fleet().node(kEu).agentsDir().string()};
    all.insert(all.end(), args.begin(), args.end());
    return fleet().drover(all);
  }

  static Result recordOn(const std::string& node, const std::string& note) {
    return drover({"rpc", "witness", "record", "note=" + note, "-I", node});
  }
};

// A request the admin sent to one node, re-published on the broadcast topic and on
// another node's topic within its TTL, runs on no other node.
TEST_P(HostilePeer, ARequestForOneNodeRunsOnNoOther) {
  std::size_t eu = invocations(kEu), eu2 = invocations(kEu2);
  Interceptor rebroadcast(fleet(), {nodeTopic(kEu)}, [](const Envelope& request) {
    std::string body = envelope::encode(request);
    return std::vector<std::pair<std::string, std::string>>{{witnessBroadcast(), body},
                                                            {nodeTopic(kEu2), body}};
  });
  Result call = recordOn(kEu, "for eu only");
  EXPECT_EQ(call.exitCode, 0) << call;
  EXPECT_GE(rebroadcast.seen(), 1);
  expectServing(kEu2);  // both copies reached kEu2 before this ping did
  EXPECT_EQ(invocations(kEu), eu + 1);
  EXPECT_EQ(invocations(kEu2), eu2) << "a request for " << kEu << " ran on " << kEu2;
}

// The same for the direct form the CLI uses after a discovery, and for --limit.
TEST_P(HostilePeer, ADiscoveredOrLimitedSubsetIsTheOnlyPlaceARequestRuns) {
  std::size_t eu = invocations(kEu), eu2 = invocations(kEu2);
  Interceptor rebroadcast(fleet(), {nodeTopic(kEu), nodeTopic(kEu2)}, [](const Envelope& request) {
    if (request.agent != "witness") return std::vector<std::pair<std::string, std::string>>{};
    std::string body = envelope::encode(request);
    return std::vector<std::pair<std::string, std::string>>{{nodeTopic(kEu), body},
                                                            {nodeTopic(kEu2), body}};
  });
  Result call = drover(
      {"rpc", "witness", "record", "note=one of two", "-F", "region=eu-west-1", "--limit", "1"});
  EXPECT_EQ(call.exitCode, 0) << call;
  expectServing(kEu);
  expectServing(kEu2);
  EXPECT_EQ(invocations(kEu) + invocations(kEu2), eu + eu2 + 1) << "--limit 1 ran on both";
}

// Replies in a node's place: a node that was not asked, and a certificate that is not a
// node's, are rejected and never shown as results. The call goes to a node that does not
// exist, so the impostor's replies are the only ones (before: "2 of 1 nodes answered").
TEST_P(HostilePeer, RepliesFromAnyoneButTheAskedNodesAreRejected) {
  security::Signer other = security::Signer::fromFiles(fleet().node(kUs).credentials().key,
                                                       fleet().node(kUs).credentials().cert);
  security::Signer adminSigner = admin();
  Interceptor impostor(fleet(), {nodeTopic("ghost"), bus::broadcastTopic("drover", "rpcutil")},
                       [&](const Envelope& request) {
                         return std::vector<std::pair<std::string, std::string>>{
                             {request.replyTo, replyAs(request, other, {{"note", "forged"}})},
                             {request.replyTo, replyAs(request, adminSigner, {})}};
                       });
  Result direct = fleet().drover({"rpc", "rpcutil", "ping", "-I", "ghost", "--timeout", "2"});
  EXPECT_NE(direct.exitCode, 0) << direct;
  EXPECT_THAT(direct.out, HasSubstr("0 of 1 nodes answered")) << direct;
  EXPECT_THAT(direct.out, HasSubstr("no reply: ghost")) << direct;
  EXPECT_THAT(direct.out, HasSubstr("'attack-us' refused: that node was not asked")) << direct;
  EXPECT_THAT(direct.out, ::testing::Not(HasSubstr("forged"))) << direct;
  Result broadcast = fleet().drover({"ping"});
  EXPECT_THAT(broadcast.out, ::testing::Not(::testing::ContainsRegex("integration\\.admin +time=")))
      << broadcast;
  EXPECT_THAT(broadcast.out, HasSubstr("its certificate has role admin, not node")) << broadcast;
}

// Copies of the admin's in-flight request (exact, unsigned, and a look-alike with the
// same id signed by another principal and sent to the admin's reply topic) must not
// stand in for the result of the original.
TEST_P(HostilePeer, CopiesOfAnInFlightRequestDoNotSpoilItsResult) {
  std::size_t before = invocations(kEu);
  security::Signer other = security::Signer::fromFiles(fleet().node(kUs).credentials().key,
                                                       fleet().node(kUs).credentials().cert);
  Interceptor copier(fleet(), {nodeTopic(kEu)}, [&](const Envelope& request) {
    Envelope stripped = request;
    stripped.sig.clear();
    Envelope lookAlike = request;
    lookAlike.sender.clear();
    lookAlike.args["note"] = "look-alike";
    security::signEnvelope(lookAlike, other);  // a verified node: refused, not authorized
    std::string topic = nodeTopic(kEu);
    return std::vector<std::pair<std::string, std::string>>{{topic, envelope::encode(lookAlike)},
                                                            {topic, envelope::encode(stripped)},
                                                            {topic, envelope::encode(request)}};
  });
  Result call = recordOn(kEu, "the original");
  EXPECT_EQ(call.exitCode, 0) << call;
  EXPECT_THAT(call.out, HasSubstr("the original")) << call;
  EXPECT_THAT(call.out, ::testing::Not(HasSubstr("not authorized"))) << call;
  expectServing(kEu);
  EXPECT_EQ(invocations(kEu), before + 1);
}

// Nothing runs for a request whose reply cannot reach its caller: the prefix is the
// collective's reply topic with its dot.
TEST_P(HostilePeer, NothingRunsForARequestWhoseReplyTopicIsNotAReplyTopic) {
  for (const char* topic :
       {"drover.replyx", "drover.reply.", "drover.node.attack-eu2", "other.reply.x"}) {
    Envelope env = caller_->request("witness", "record", {{"note", topic}});
    env.replyTo = topic;
    security::signEnvelope(env, admin());
    expectDropped(kEu, env, "is not a reply topic");
  }
}

// Forged traffic makes nobody talk: an unknown version, unsigned, on any topic.
TEST_P(HostilePeer, AnUnknownVersionIsAnsweredByNobody) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  std::string id = util::randomId();
  pk.pack_map(9);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"id", id},
                                                        {"type", "request"},
                                                        {"sender", "mallory"},
                                                        {"collective", "elsewhere"},
                                                        {"agent", "rpcutil"},
                                                        {"action", "ping"},
                                                        {"reply_to", caller_->replyTopic()}}) {
    pk.pack(key);
    pk.pack(value);
  }
  pk.pack(std::string("v"));
  pk.pack(99);
  pk.pack(std::string("time"));
  pk.pack(util::nowMs());
  std::string body(buffer.data(), buffer.size());
  caller_->broadcast("rpcutil", body);
  for (const char* node : {kEu, kEu2, kUs}) caller_->send(node, body);
  for (const char* node : {kEu, kEu2, kUs}) expectServing(node);
  EXPECT_EQ(caller_->replies(id), 0u) << "a node answered a message nobody signed";
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return fleet().node(kEu).log().find("unsupported envelope version 99") != std::string::npos;
      },
      5s));
}

// Unsigned 4 MB messages whose fields are long strings cost the logs a short line each
// (before: about three times the bytes sent, per node), and nothing in the audit log.
TEST_P(HostilePeer, HugeHostileFieldsCostTheLogsLittle) {
  auto logSize = [](const std::string& node) {
    return fs::file_size(fleet().node(node).logFile());
  };
  std::uintmax_t logBefore = logSize(kEu);
  const std::string big(900'000, 'A');
  for (int i = 0; i < 4; ++i) {
    Envelope env = caller_->request("witness", "record", {{"note", "x"}});
    if (i == 0) env.id = big;
    if (i == 1) env.sender = big;
    if (i == 2) env.agent = big;
    if (i == 3) {
      env.action = big;
      env.sender = big;
      env.filter = big;
    }
    caller_->send(kEu, envelope::encode(env));
    caller_->broadcast("witness", envelope::encode(env));
  }
  expectServing(kEu);
  EXPECT_LT(logSize(kEu) - logBefore, 8u * 1024) << "the log grew with the attacker's bytes";
  std::ifstream audit(fleet().node(kEu).auditLog());
  std::string auditText((std::istreambuf_iterator<char>(audit)), std::istreambuf_iterator<char>());
  EXPECT_EQ(auditText.find("AAAAAAAA"), std::string::npos) << "an unverified request was audited";
}

// A flood of garbage is counted, not logged line by line, and the node keeps serving.
TEST_P(HostilePeer, AFloodOfGarbageIsCountedNotLogged) {
  auto lines = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  std::string before = fleet().node(kEu2).log();
  for (int i = 0; i < 2000; ++i) caller_->send(kEu2, std::string(40, static_cast<char>('\xc1')));
  expectServing(kEu2);
  ASSERT_TRUE(testing::waitFor(
      [&] { return fleet().node(kEu2).log().find("not logged in the last") != std::string::npos; },
      30s))
      << "the suppressed lines are never counted";
  std::string after = fleet().node(kEu2).log().substr(before.size());
  EXPECT_LE(lines(after, "dropped a malformed message"), 100u);
}

// Nodes no longer answer a caller whose certificate they refuse, so the CLI checks its
// own against the CA and CRL before sending and says what is wrong.
TEST_P(HostilePeer, AnAdminWhoseCertificateNodesRefuseIsToldBeforeAnythingIsSent) {
  security::CertificateAuthority::IssueOptions past, future;
  past.notBeforeMs = util::nowMs() - 10LL * 24 * 3600 * 1000;
  past.notAfterMs = util::nowMs() - 24LL * 3600 * 1000;
  future.notBeforeMs = util::nowMs() + 24LL * 3600 * 1000;
  future.notAfterMs = util::nowMs() + 10LL * 24 * 3600 * 1000;
  Credentials revoked = fleet().issue("gone.admin", security::Role::Admin);
  fleet().ca().revoke("gone.admin");
  const std::vector<std::pair<Credentials, std::string>> cases = {
      {fleet().issue("late.admin", security::Role::Admin, past), "expired at"},
      {fleet().issue("early.admin", security::Role::Admin, future), "not valid before"},
      {revoked, "is revoked"}};
  for (const auto& [credentials, why] : cases) {
    Result r = fleet().drover({"--security-cert-file", credentials.cert.string(),
                               "--security-key-file", credentials.key.string(), "ping"});
    EXPECT_EQ(r.exitCode, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(credentials.cert.string())) << r;
    EXPECT_THAT(r.err, HasSubstr(why)) << r;
  }
}

DROVER_ON_EVERY_BUS(HostilePeer);

}  // namespace
}  // namespace drover::integration::attack
