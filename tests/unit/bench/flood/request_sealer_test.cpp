// drover-flood-bench's signed requests in both layouts: what a current node and a
// node from before request targets re-encode, and so what their signatures cover.
#include "bench/flood/request_sealer.hpp"

#include <gtest/gtest.h>

#include "bench/support/secure_setup.hpp"
#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "testing/process.hpp"

namespace drover::bench::flood {
namespace {

using envelope::Envelope;

const std::vector<std::string_view> kNewKeys{"targets", "request_digest"};

Envelope ping() {
  Envelope env;
  env.id = util::randomId();
  env.collective = "drover";
  env.agent = "rpcutil";
  env.action = "ping";
  env.args = Json{{"n", -3}, {"big", 1700000000123}, {"ratio", 0.5}, {"list", {"a", true}}};
  env.time = util::nowMs();
  env.replyTo = "drover.reply.bench";
  env.targets = {"node-a"};
  return env;
}

class RequestSealerTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  SecureSetup setup_ = makeSecureSetup(dir_.path() / "ca");
  security::X509Ptr adminCert_ = security::certificateFromDer(setup_.admin->certificateDer());
};

TEST_F(RequestSealerTest, RepackingWithoutRemovingKeepsEveryByte) {
  std::string bytes = envelope::encode(ping());
  EXPECT_EQ(withoutKeys(bytes, {}), bytes);
}

TEST_F(RequestSealerTest, RemovingKeysKeepsTheOtherFields) {
  Envelope original = ping();
  original.sender = kBenchAdmin;
  Envelope decoded = envelope::decode(withoutKeys(envelope::encode(original), kNewKeys));
  EXPECT_TRUE(decoded.targets.empty());
  EXPECT_EQ(decoded.id, original.id);
  EXPECT_EQ(decoded.args, original.args);
  EXPECT_EQ(decoded.time, original.time);
}

TEST_F(RequestSealerTest, CurrentLayoutIsSignedOverTodaysBytes) {
  RequestSealer sealer(setup_.admin, Layout::Current);
  Envelope sent = envelope::decode(sealer.seal(ping()));
  EXPECT_EQ(sent.sender, kBenchAdmin);
  EXPECT_EQ(sent.targets, std::vector<std::string>{"node-a"});
  EXPECT_TRUE(security::verifySignature(adminCert_.get(), envelope::signingBytes(sent), sent.sig));
}

TEST_F(RequestSealerTest, BeforeTargetsLayoutIsSignedOverTheOlderBytesOnly) {
  RequestSealer sealer(setup_.admin, Layout::BeforeTargets);
  std::string wire = sealer.seal(ping());
  EXPECT_EQ(withoutKeys(wire, kNewKeys), wire);  // neither key is on the wire
  Envelope sent = envelope::decode(wire);
  EXPECT_TRUE(sent.targets.empty());
  std::string older = withoutKeys(envelope::signingBytes(sent), kNewKeys);
  EXPECT_TRUE(security::verifySignature(adminCert_.get(), older, sent.sig));
  EXPECT_FALSE(security::verifySignature(adminCert_.get(), envelope::signingBytes(sent), sent.sig));
}

TEST_F(RequestSealerTest, AnythingButOneMapIsRefused) {
  EXPECT_THROW(withoutKeys("\xc1", kNewKeys), std::invalid_argument);
  EXPECT_THROW(withoutKeys("\x93\x01\x02\x03", kNewKeys), std::invalid_argument);
  EXPECT_THROW(withoutKeys(std::string("\x80\x80", 2), kNewKeys), std::invalid_argument);
}

}  // namespace
}  // namespace drover::bench::flood
