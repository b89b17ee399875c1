// The attack suite: hostile messages against real droverd processes. Each case checks
// that nothing ran (the witness agent has no new invocation), that the node's audit
// log or log names the refusal, and that the node keeps serving a legitimate caller.
#include "tests/integration/attack_suite.hpp"

#include "core/util/files.hpp"

namespace drover::integration::attack {
namespace {

class Attack : public AttackSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({witnessNode(kEu, "eu-west-1"), witnessNode(kUs, "us-east-1"),
                witnessNode(kOpen, "eu-west-1", NodeSecurity::Disabled),
                witnessNode(kFresh, "eu-west-1", NodeSecurity::ProvisioningToken)});
  }
};

TEST_P(Attack, LegitimateAdminRunsAndIsAudited) {
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

// Nothing unverified makes a node talk, direct or broadcast: it would let forged
// traffic make the fleet answer, and spoil a real caller's call with refusals.
TEST_P(Attack, UnsignedRequestIsDroppedUnanswered) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.sender = Fleet::kAdmin;
  expectDropped(kEu, env, "unsigned");
}

TEST_P(Attack, ForgedSignatureIsDroppedUnanswered) {
  Envelope env = caller_->request("witness", "record", {{"note", "signed text"}});
  security::signEnvelope(env, admin());
  env.args["note"] = "changed after signing";
  expectDropped(kEu, env, "signature");
}

TEST_P(Attack, CertificateFromAnotherCaIsDroppedUnanswered) {
  testing::TempDir other;
  auto ca = security::CertificateAuthority::create(other / "ca", "Rogue CA");
  security::PkeyPtr key = security::generateKey();
  std::string cert = ca.sign(security::csrToPem(security::makeCsr(key.get(), Fleet::kAdmin).get()),
                             security::Role::Admin);
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, security::Signer(std::move(key), cert));
  expectDropped(kEu, env, "not issued by this collective's CA");
}

TEST_P(Attack, ExpiredCertificateIsDroppedUnanswered) {
  security::CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 10LL * 24 * 3600 * 1000;
  past.notAfterMs = util::nowMs() - 24LL * 3600 * 1000;
  Credentials expired = fleet().issue("expired.admin", security::Role::Admin, past);
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(expired));
  expectDropped(kEu, env, "expired");
}

TEST_P(Attack, RevokedCertificateIsDroppedOnceTheNodeSeesTheNewCrl) {
  Credentials revoked = fleet().issue("revoked.admin", security::Role::Admin);
  security::Signer signer = signerOf(revoked);
  Envelope before = caller_->request("witness", "record", {{"note", "before revocation"}});
  security::signEnvelope(before, signer);
  auto reply = deliver(kEu, before);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status.code, StatusCode::Ok) << reply->status.message;

  // The node watches its CRL file: no signal is needed.
  fleet().ca().revoke("revoked.admin");
  Envelope after = caller_->request("witness", "record", {{"note", "after revocation"}});
  security::signEnvelope(after, signer);
  bool refused = testing::waitFor(
      [&] {
        Envelope probe = caller_->request("rpcutil", "ping", Json::object());
        security::signEnvelope(probe, signer);
        caller_->send(kEu, envelope::encode(probe));
        expectServing(kEu);  // answered after the probe, if the probe was
        return caller_->replies(probe.id) == 0;
      },
      10s);
  ASSERT_TRUE(refused) << "the revoked certificate is still accepted";
  expectDropped(kEu, after, "revoked");
}

TEST_P(Attack, NodeCertificateCannotActAsAnAdmin) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(fleet().node(kUs).credentials()));
  expectRefused(kEu, env, "not authorized");
}

TEST_P(Attack, SenderClaimingSomeoneElseIsDroppedUnanswered) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, signerOf(fleet().node(kUs).credentials()));
  env.sender = Fleet::kAdmin;  // the signature covers sender, so this breaks it too
  expectDropped(kEu, env, "does not match certificate");
}

// The copy is dropped unanswered: its refusal would reach the real caller's reply
// topic and could stand in for the original's result.
TEST_P(Attack, ExactReplayInsideTheTtlIsDroppedUnanswered) {
  std::size_t before = invocations(kEu);
  Envelope env = caller_->request("witness", "record", {{"note", "once"}});
  env.targets = {kEu};  // the direct form a client sends: the broadcast copy runs nowhere
  security::signEnvelope(env, admin());
  std::string bytes = envelope::encode(env);
  caller_->send(kEu, bytes);
  auto first = caller_->reply(env.id, 5s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status.code, StatusCode::Ok) << first->status.message;
  caller_->send(kEu, bytes);
  caller_->broadcast("witness", bytes);
  expectServing(kEu);
  EXPECT_EQ(caller_->replies(env.id), 1u) << "a replayed copy was answered";
  EXPECT_EQ(invocations(kEu), before + 1) << "the replay ran the agent again";
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return fleet().node(kEu).log().find("was already received (replay)") != std::string::npos;
      },
      5s));
}

TEST_P(Attack, OldMessageIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.time = util::nowMs() - 120'000;  // ttl is 60 s
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "");
  EXPECT_THAT(fleet().node(kEu).log(), HasSubstr(env.id));
}

TEST_P(Attack, MessageFromTheFutureIsRefused) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  env.time = util::nowMs() + 300'000;  // the node tolerates 30 s of skew
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "future");
}

TEST_P(Attack, UnauthorizedActionIsRefused) {
  Envelope env = caller_->request("witness", "forbidden", Json::object());
  security::signEnvelope(env, admin());
  expectRefused(kEu, env, "not authorized");
}

TEST_P(Attack, PolicyMatchesOnTheNodesFacts) {
  Envelope env = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(env, admin());
  // The policy allows record on eu-west-1 only: the us node refuses the same caller.
  expectRefused(kUs, env, "not authorized");
  expectServing(kEu);
}

// A policy takes effect as its file is written, without a signal; a broken one is
// named in the log and changes nothing.
TEST_P(Attack, PolicyFileChangesTakeEffectWithoutASignalAndABrokenOneChangesNothing) {
  const fs::path policy = fleet().node(kUs).policyDir() / "witness.yaml";
  auto recordOnUs = [&] {
    Envelope env = caller_->request("witness", "record", {{"note", "policy change"}});
    security::signEnvelope(env, admin());
    auto reply = deliver(kUs, env);
    return reply.has_value() ? reply->status.code : StatusCode::UnknownError;
  };
  ASSERT_EQ(recordOnUs(), StatusCode::Refused);

  util::writeFileAtomically(policy,
                            "default: deny\nrules:\n  - allow:\n      callers: \"*\"\n"
                            "      roles: [admin]\n      actions: [record]\n");
  EXPECT_TRUE(testing::waitFor([&] { return recordOnUs() == StatusCode::Ok; }, 10s))
      << "the new policy was not applied\n"
      << fleet().node(kUs).log();

  {
    std::ofstream broken(policy, std::ios::trunc);
    broken << "default: deny\nrules: [\n";
  }
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return fleet().node(kUs).log().find("kept the policies in force") != std::string::npos;
      },
      10s))
      << fleet().node(kUs).log();
  EXPECT_EQ(recordOnUs(), StatusCode::Ok) << "a broken policy file changed the decision";

  util::writeFileAtomically(policy, kWitnessPolicy);
  EXPECT_TRUE(testing::waitFor([&] { return recordOnUs() == StatusCode::Refused; }, 10s))
      << fleet().node(kUs).log();
}

TEST_P(Attack, RequestSkippingClientSideValidationIsRefusedByTheNode) {
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

TEST_P(Attack, ShellMetacharactersInArgumentsStayData) {
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

TEST_P(Attack, OversizedGarbageAndTruncatedMessagesAreDroppedAndLogged) {
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
  EXPECT_THAT(log, HasSubstr("dropped a malformed message"));
  EXPECT_THAT(log, HasSubstr("exceeds"));
}

TEST_P(Attack, ForgedBroadcastIsDroppedWithoutAReply) {
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

TEST_P(Attack, UnprovisionedNodeServesOnlyProvisionToProvisioners) {
  Envelope ping = caller_->request("rpcutil", "ping", Json::object());
  security::signEnvelope(ping, admin());
  expectRefusedWhileEnrolling(ping, "only the provision agent");

  Credentials provisioner = fleet().issue("attack.provisioner", security::Role::Provisioner);
  Envelope asProvisioner = caller_->request("witness", "record", {{"note", "x"}});
  security::signEnvelope(asProvisioner, signerOf(provisioner));
  expectRefusedWhileEnrolling(asProvisioner, "only the provision agent");
}

TEST_P(Attack, NodeWithSecurityOffSaysSo) {
  EXPECT_THAT(fleet().node(kOpen).log(), HasSubstr("SECURITY IS DISABLED"));
  Result inventory = fleet().drover({"--security-enabled", "false", "inventory", kOpen});
  ASSERT_EQ(inventory.exitCode, 0) << inventory;
  EXPECT_THAT(inventory.out, HasSubstr("Security: disabled")) << inventory;
  // A client with security on does not take its unsigned replies.
  Result secure = fleet().drover({"ping", "-I", kOpen, "--timeout", "2"});
  EXPECT_NE(secure.exitCode, 0) << secure;
  EXPECT_THAT(secure.out + secure.err, HasSubstr("rejected (not verified")) << secure;
}

DROVER_ON_EVERY_BUS(Attack);

}  // namespace
}  // namespace drover::integration::attack
