// The attack suite: hostile messages against real droverd processes. Each case checks
// that nothing ran (the witness agent has no new invocation), that the node's audit
// log or log names the refusal, and that the node keeps serving a legitimate caller.
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/security/ca.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "tests/integration/fleet_suite.hpp"
#include "tests/support/process.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using envelope::Envelope;
using envelope::StatusCode;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kEu = "attack-eu";
constexpr const char* kUs = "attack-us";
constexpr const char* kOpen = "attack-open";
constexpr const char* kFresh = "attack-fresh";

// Records every invocation next to itself, then answers. Arguments are data only.
constexpr const char* kWitness = R"(#!/usr/bin/env python3
import json, os, sys
request = json.load(sys.stdin)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "invocations.log"), "a") as log:
    log.write(json.dumps(request) + "\n")
json.dump({"status": 0, "data": {"note": request["args"].get("note", "")}}, sys.stdout)
)";

constexpr const char* kWitnessDdl = R"({
  "metadata": {"name": "witness", "description": "Records each invocation",
               "author": "tests", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.org", "provider": "external", "timeout": 5},
  "actions": [
    {"action": "record", "description": "Record a note", "display": "always",
     "input": {"note": {"prompt": "Note", "description": "Any text", "type": "string",
                        "validation": ".*", "maxlength": 200, "optional": false}},
     "output": {"note": {"description": "The note", "display_as": "Note", "default": ""}}},
    {"action": "forbidden", "description": "An action no policy allows", "display": "always",
     "input": {}, "output": {}}
  ]
})";

// Admins may record, on eu-west-1 nodes only; everything else falls to the default.
constexpr const char* kWitnessPolicy = R"(default: deny
rules:
  - allow:
      callers: "*"
      roles: [admin]
      actions: [record]
      where: "region=eu-west-1"
)";

NodeSpec witnessNode(const std::string& identity, const std::string& region,
                     NodeSecurity security = NodeSecurity::Certificate) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: " + region + "\n";
  spec.agentFiles = {{"witness", kWitness}, {"witness.json", kWitnessDdl}};
  spec.policies = {{"witness", kWitnessPolicy}};
  spec.security = security;
  return spec;
}

std::vector<Json> jsonLines(const fs::path& file) {
  std::vector<Json> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

// A caller that builds envelopes by hand, signs them with any key, and publishes
// raw bytes: everything a hostile client on the bus can do.
class RawCaller {
 public:
  explicit RawCaller(const Fleet& fleet)
      : connection_(context_, fleet.endpoints(), {}),
        replyTopic_(bus::replyTopic("drover", util::randomId())) {
    connection_.subscribe(replyTopic_);
    if (!connection_.waitReady(5s)) throw std::runtime_error("broker not reachable");
  }

  Envelope request(const std::string& agent, const std::string& action, Json args) const {
    Envelope env;
    env.id = util::randomId();
    env.type = envelope::MessageType::Request;
    env.collective = "drover";
    env.agent = agent;
    env.action = action;
    env.args = std::move(args);
    env.ttl = 60;
    env.time = util::nowMs();
    env.replyTo = replyTopic_;
    return env;
  }

  void send(const std::string& node, const std::string& body) {
    ASSERT_TRUE(connection_.publish(bus::nodeTopic("drover", node), body));
  }
  void broadcast(const std::string& agent, const std::string& body) {
    ASSERT_TRUE(connection_.publish(bus::broadcastTopic("drover", agent), body));
  }

  std::optional<Envelope> reply(const std::string& requestId, std::chrono::milliseconds wait) {
    auto deadline = util::SteadyClock::now() + wait;
    while (util::SteadyClock::now() < deadline) {
      auto message = connection_.receive(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - util::SteadyClock::now()));
      if (!message) break;
      try {
        Envelope env = envelope::decode(message->body);
        if (env.requestId == requestId) return env;
      } catch (const envelope::DecodeError&) {
      }
    }
    return std::nullopt;
  }

 private:
  zmq::context_t context_{1};
  bus::Connection connection_;
  std::string replyTopic_;
};

class Attack : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({witnessNode(kEu, "eu-west-1"), witnessNode(kUs, "us-east-1"),
                witnessNode(kOpen, "eu-west-1", NodeSecurity::Disabled),
                witnessNode(kFresh, "eu-west-1", NodeSecurity::ProvisioningToken)});
  }

  void SetUp() override {
    FleetSuite::SetUp();
    caller_ = std::make_unique<RawCaller>(fleet());
  }

  static security::Signer signerOf(const Credentials& credentials) {
    return security::Signer::fromFiles(credentials.key, credentials.cert);
  }
  static security::Signer admin() { return signerOf(fleet().adminCredentials()); }

  static std::size_t invocations(const std::string& node) {
    return jsonLines(fleet().node(node).agentsDir() / "invocations.log").size();
  }

  // The audit log's decision line for a request, or null when it has none.
  static Json decision(const std::string& node, const std::string& requestId) {
    for (const auto& line : jsonLines(fleet().node(node).auditLog())) {
      if (line.value("request_id", "") == requestId && line.value("event", "") == "decision") {
        return line;
      }
    }
    return nullptr;
  }

  // Sends `env` (signed already, or not) straight to `node`; returns the reply.
  std::optional<Envelope> deliver(const std::string& node, const Envelope& env) {
    caller_->send(node, envelope::encode(env));
    return caller_->reply(env.id, 5s);
  }

  // Asserts that `node` refused `env`: a Refused reply naming `why`, an audit line
  // with allowed=false, no invocation, and a legitimate call still served.
  void expectRefused(const std::string& node, const Envelope& env, const std::string& why) {
    std::size_t before = invocations(node);
    auto reply = deliver(node, env);
    ASSERT_TRUE(reply.has_value()) << node << " did not answer";
    EXPECT_EQ(reply->status.code, StatusCode::Refused) << reply->status.message;
    EXPECT_THAT(reply->status.message, HasSubstr(why));
    Json line = decision(node, env.id);
    ASSERT_FALSE(line.is_null()) << "no audit line for " << env.id;
    EXPECT_EQ(line["allowed"], false) << line.dump();
    EXPECT_THAT(line.value("reason", ""), HasSubstr(why)) << line.dump();
    EXPECT_EQ(invocations(node), before) << "the agent ran";
    expectServing(node);
  }

  void expectServing(const std::string& node) {
    Envelope ok = caller_->request("rpcutil", "ping", Json::object());
    security::signEnvelope(ok, admin());
    auto reply = deliver(node, ok);
    ASSERT_TRUE(reply.has_value()) << node << " stopped serving";
    EXPECT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;
  }

  // The same for the enrolling node, whose refusals are unsigned (it has no key yet).
  void expectRefusedWhileEnrolling(const Envelope& env, const std::string& why) {
    std::size_t before = invocations(kFresh);
    auto reply = deliver(kFresh, env);
    ASSERT_TRUE(reply.has_value()) << kFresh << " did not answer";
    EXPECT_EQ(reply->status.code, StatusCode::Refused) << reply->status.message;
    EXPECT_THAT(reply->status.message, HasSubstr(why));
    Json line = decision(kFresh, env.id);
    ASSERT_FALSE(line.is_null()) << "no audit line for " << env.id;
    EXPECT_EQ(line["allowed"], false) << line.dump();
    EXPECT_EQ(invocations(kFresh), before) << "the agent ran";
  }

  std::unique_ptr<RawCaller> caller_;
};

TEST_F(Attack, LegitimateAdminRunsAndIsAudited) {
  std::size_t before = invocations(kEu);
  Envelope env = caller_->request("witness", "record", {{"note", "hello"}});
  security::signEnvelope(env, admin());
  auto reply = deliver(kEu, env);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;
  EXPECT_EQ(reply->data["note"], "hello");
  EXPECT_FALSE(reply->sig.empty()) << "replies must be signed";
  EXPECT_EQ(invocations(kEu), before + 1);
  Json line = decision(kEu, env.id);
  ASSERT_FALSE(line.is_null());
  EXPECT_EQ(line["allowed"], true);
  EXPECT_EQ(line["caller"], Fleet::kAdmin);
  EXPECT_EQ(line["role"], "admin");
  EXPECT_EQ(line["args"]["note"], "hello");
  bool result = false;
  for (const auto& audit : jsonLines(fleet().node(kEu).auditLog())) {
    result = result || (audit.value("request_id", "") == env.id && audit["event"] == "result" &&
                        audit["result"]["code"] == 0);
  }
  EXPECT_TRUE(result) << "no result line for " << env.id;
}

TEST_F(Attack, UnsignedRequestIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.sender = Fleet::kAdmin;
  expectRefused(kEu, env, "unsigned");
}

TEST_F(Attack, ForgedSignatureIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "signed text"}});
  security::signEnvelope(env, admin());
  env.args["note"] = "changed after signing";
  expectRefused(kEu, env, "signature");
}

TEST_F(Attack, CertificateFromAnotherCaIsRefused) {
  testing::TempDir other;
  auto ca = security::CertificateAuthority::create(other / "ca", "Rogue CA");
  security::PkeyPtr key = security::generateKey();
  std::string cert =
      ca.sign(security::csrToPem(security::makeCsr(key.get(), Fleet::kAdmin).get()),
              security::Role::Admin);
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, security::Signer(std::move(key), cert));
  expectRefused(kEu, env, "not issued by this collective's CA");
}

TEST_F(Attack, ExpiredCertificateIsRefused) {
  security::CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 10LL * 24 * 3600 * 1000;
  past.notAfterMs = util::nowMs() - 24LL * 3600 * 1000;
  Credentials expired = fleet().issue("expired.admin", security::Role::Admin, past);
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(expired));
  expectRefused(kEu, env, "expired");
}

TEST_F(Attack, RevokedCertificateIsRefusedOnceTheNodeSeesTheNewCrl) {
  Credentials revoked = fleet().issue("revoked.admin", security::Role::Admin);
  security::Signer signer = signerOf(revoked);
  Envelope before = caller_->request("witness", "record", {{"note", "before revocation"}});
  security::signEnvelope(before, signer);
  auto reply = deliver(kEu, before);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;

  // The node re-reads its CRL file every few seconds: no signal is needed.
  fleet().ca().revoke("revoked.admin");
  Envelope after = caller_->request("witness", "record", {{"note", "after revocation"}});
  security::signEnvelope(after, signer);
  bool refused = testing::waitFor(
      [&] {
        Envelope probe = caller_->request("rpcutil", "ping", Json::object());
        security::signEnvelope(probe, signer);
        auto answer = deliver(kEu, probe);
        return answer && answer->status.code == StatusCode::Refused;
      },
      10s);
  ASSERT_TRUE(refused) << "the revoked certificate is still accepted";
  expectRefused(kEu, after, "revoked");
}

TEST_F(Attack, NodeCertificateCannotActAsAnAdmin) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(fleet().node(kUs).credentials()));
  expectRefused(kEu, env, "not authorized");
}

TEST_F(Attack, SenderClaimingSomeoneElseIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(fleet().node(kUs).credentials()));
  env.sender = Fleet::kAdmin;  // the signature covers sender, so this breaks it too
  expectRefused(kEu, env, "");
}

TEST_F(Attack, ExactReplayInsideTheTtlIsRefused) {
  std::size_t before = invocations(kEu);
  Envelope env = caller_->request("witness", "record", {{"note", "once"}});
  security::signEnvelope(env, admin());
  std::string bytes = envelope::encode(env);
  caller_->send(kEu, bytes);
  auto first = caller_->reply(env.id, 5s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status.code, StatusCode::Ok) << first->status.message;
  caller_->send(kEu, bytes);
  auto second = caller_->reply(env.id, 5s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status.code, StatusCode::Refused);
  EXPECT_THAT(second->status.message, HasSubstr("replay"));
  EXPECT_EQ(invocations(kEu), before + 1) << "the replay ran the agent again";
  EXPECT_THAT(fleet().node(kEu).log(), HasSubstr("replay"));
  expectServing(kEu);
}

TEST_F(Attack, OldMessageIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.time = util::nowMs() - 120'000;  // ttl is 60 s
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "");
  EXPECT_THAT(fleet().node(kEu).log(), HasSubstr(env.id));
}

TEST_F(Attack, MessageFromTheFutureIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.time = util::nowMs() + 300'000;  // the node tolerates 30 s of skew
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "future");
}

TEST_F(Attack, UnauthorizedActionIsRefused) {
  Envelope env = caller_->request("witness", "forbidden", Json::object());
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "not authorized");
}

TEST_F(Attack, PolicyMatchesOnTheNodesFacts) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, admin());
  // The policy allows record on eu-west-1 only: the us node refuses the same caller.
  expectRefused(kUs, env, "not authorized");
  expectServing(kEu);
}

TEST_F(Attack, RequestSkippingClientSideValidationIsRefusedByTheNode) {
  Envelope env = caller_->request("witness", "record", {{"note", std::string(500, 'x')}});
  security::signEnvelope(env, admin());
  std::size_t before = invocations(kEu);
  auto reply = deliver(kEu, env);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status.code, StatusCode::InvalidData);
  EXPECT_THAT(reply->status.message, HasSubstr("maxlength"));
  Json line = decision(kEu, env.id);
  ASSERT_FALSE(line.is_null());
  EXPECT_EQ(line["allowed"], false);
  EXPECT_EQ(invocations(kEu), before);
  expectServing(kEu);
}

TEST_F(Attack, ShellMetacharactersInArgumentsStayData) {
  testing::TempDir scratch;
  fs::path marker = scratch / "pwned";
  std::string note = "$(touch " + marker.string() + "); `touch " + marker.string() + "` | touch " +
                     marker.string() + " && touch " + marker.string();
  Envelope env = caller_->request("witness", "record", {{"note", note}});
  security::signEnvelope(env, admin());
  auto reply = deliver(kEu, env);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;
  EXPECT_EQ(reply->data["note"], note) << "the argument did not arrive verbatim";
  EXPECT_FALSE(fs::exists(marker)) << "an argument reached a shell";
}

TEST_F(Attack, OversizedGarbageAndTruncatedMessagesAreDroppedAndLogged) {
  caller_->send(kEu, std::string(envelope::kMaxEncodedSize + 1024, '\x91'));
  caller_->send(kEu, "\xde\xad\xbe\xef not msgpack at all");
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, admin());
  std::string bytes = envelope::encode(env);
  caller_->send(kEu, bytes.substr(0, bytes.size() / 2));
  caller_->broadcast("witness", std::string(64, '\xc1'));  // 0xc1 is never valid msgpack
  EXPECT_FALSE(caller_->reply(env.id, 1s).has_value()) << "a truncated request was answered";
  expectServing(kEu);
  std::string log = fleet().node(kEu).log();
  EXPECT_THAT(log, HasSubstr("dropped malformed message"));
  EXPECT_THAT(log, HasSubstr("exceeds"));
}

TEST_F(Attack, ForgedBroadcastIsDroppedWithoutAReply) {
  Envelope env = caller_->request("witness", "record", {{"note", "to all"}});
  // Not for the node with security off, which would run anything it is sent.
  env.filter = "not identity(" + std::string(kOpen) + ")";
  security::signEnvelope(env, admin());
  env.args["note"] = "tampered";
  std::size_t before = invocations(kEu);
  caller_->broadcast("witness", envelope::encode(env));
  EXPECT_FALSE(caller_->reply(env.id, 1500ms).has_value())
      << "a forged broadcast made a node answer";
  EXPECT_EQ(invocations(kEu), before);
  EXPECT_TRUE(testing::waitFor(
      [&] { return fleet().node(kEu).log().find(env.id) != std::string::npos; }, 5s))
      << "the drop is not logged";
}

TEST_F(Attack, UnprovisionedNodeServesOnlyProvisionToProvisioners) {
  Envelope ping = caller_->request("rpcutil", "ping", Json::object());
  security::signEnvelope(ping, admin());
  expectRefusedWhileEnrolling(ping, "only the provision agent");

  Credentials provisioner = fleet().issue("attack.provisioner", security::Role::Provisioner);
  Envelope asProvisioner = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(asProvisioner, signerOf(provisioner));
  expectRefusedWhileEnrolling(asProvisioner, "only the provision agent");
}

TEST_F(Attack, NodeWithSecurityOffSaysSo) {
  EXPECT_THAT(fleet().node(kOpen).log(), HasSubstr("SECURITY IS DISABLED"));
  Result inventory = fleet().drover({"--security-enabled", "false", "inventory", kOpen});
  ASSERT_EQ(inventory.exitCode, 0) << inventory;
  EXPECT_THAT(inventory.out, HasSubstr("Security: disabled")) << inventory;
  // A client with security on does not take its unsigned replies.
  Result secure = fleet().drover({"ping", "-I", kOpen, "--timeout", "2"});
  EXPECT_NE(secure.exitCode, 0) << secure;
  EXPECT_THAT(secure.out + secure.err, HasSubstr("failed verification")) << secure;
}

}  // namespace
}  // namespace drover::integration
