// Provisioning tokens and enrolment proofs (core/security/enrolment.hpp).
#include "core/security/enrolment.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/security/keys.hpp"
#include "testing/process.hpp"

namespace drover::security {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15

std::string csrFor(const std::string& name) {
  PkeyPtr key = generateKey();
  return csrToPem(makeCsr(key.get(), name).get());
}

ProvisioningToken token(const std::string& secret, std::optional<std::int64_t> expires = {}) {
  ProvisioningToken t;
  t.secret = secret;
  t.expiresMs = expires;
  t.source = "test";
  return t;
}

std::string refusal(const std::vector<ProvisioningToken>& accepted, const std::string& identity,
                    const std::string& requestId, const std::string& csr,
                    const std::string& proof) {
  try {
    checkEnrolment(accepted, identity, requestId, csr, proof, kNow);
  } catch (const EnrolmentError& e) {
    return e.what();
  }
  return "";
}

TEST(Enrolment, ProofFromTheRightTokenIsAccepted) {
  auto image = token("0123456789abcdef0123");
  std::string csr = csrFor("web1");
  std::string proof = enrolmentProof(image, "web1", "req-1", csr);
  EXPECT_EQ(proof.size(), 64u);
  EXPECT_EQ(refusal({token("another-token-000000"), image}, "web1", "req-1", csr, proof), "");
}

TEST(Enrolment, ProofIsBoundToTokenIdentityRequestAndCsr) {
  auto image = token("0123456789abcdef0123");
  std::string csr = csrFor("web1");
  std::string proof = enrolmentProof(image, "web1", "req-1", csr);
  EXPECT_THAT(refusal({token("ffffffffffffffffffff")}, "web1", "req-1", csr, proof),
              HasSubstr("wrong provisioning token"));
  EXPECT_THAT(refusal({image}, "web1", "req-2", csr, proof), HasSubstr("wrong provisioning token"));
  EXPECT_THAT(refusal({image}, "web1", "req-1", csrFor("web1"), proof),
              HasSubstr("wrong provisioning token"));
  EXPECT_THAT(refusal({image}, "web1", "req-1", csr, std::string(64, '0')),
              HasSubstr("wrong provisioning token"));
}

TEST(Enrolment, CsrForAnotherNameIsRefused) {
  auto image = token("0123456789abcdef0123");
  std::string csr = csrFor("db1");
  std::string proof = enrolmentProof(image, "web1", "req-1", csr);
  EXPECT_THAT(refusal({image}, "web1", "req-1", csr, proof), HasSubstr("names 'db1'"));
  EXPECT_THAT(refusal({image}, "web1", "req-1", "not a csr", proof), HasSubstr("does not parse"));
}

TEST(Enrolment, ExpiredTokenIsRefusedEvenWithAGoodProof) {
  auto image = token("0123456789abcdef0123", kNow - 1);
  std::string csr = csrFor("web1");
  std::string proof = enrolmentProof(image, "web1", "req-1", csr);
  EXPECT_THAT(refusal({image}, "web1", "req-1", csr, proof), HasSubstr("expired at"));
  EXPECT_FALSE(token("x", kNow + 1).expired(kNow));
  EXPECT_TRUE(token("x", kNow).expired(kNow));
  EXPECT_FALSE(token("x").expired(kNow));
}

TEST(ProvisioningTokenFile, RoundTripsThroughItsYaml) {
  testing::TempDir dir;
  auto made = ProvisioningToken::generate(7);
  ASSERT_TRUE(made.expiresMs.has_value());
  EXPECT_EQ(made.secret.size(), 64u);
  auto loaded = ProvisioningToken::load(dir.write("token", made.toYaml()));
  EXPECT_EQ(loaded.secret, made.secret);
  EXPECT_EQ(loaded.expiresMs, *made.expiresMs / 1000 * 1000);
  EXPECT_FALSE(ProvisioningToken::generate(0).expiresMs.has_value());
}

TEST(ProvisioningTokenFile, BadFilesAreRefusedNamingFileAndProblem) {
  testing::TempDir dir;
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"token: short\n", "at least 16"},
           {"- a list\n", "expected a map"},
           {"token: 0123456789abcdef0123\ncolour: red\n", "unknown key 'colour'"},
           {"token: 0123456789abcdef0123\nexpires: tomorrow\n", "'tomorrow' is not like"},
           {"token: [a, b]\n", "'token' must be a single value"},
           {"token: 'unterminated\n", "token"},
       }) {
    auto file = dir.write("token", c.text);
    try {
      ProvisioningToken::load(file);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const EnrolmentError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file.string())) << c.text;
      EXPECT_THAT(e.what(), HasSubstr(c.expected)) << c.text;
    }
  }
  EXPECT_THROW(ProvisioningToken::load(dir / "missing"), EnrolmentError);
}

}  // namespace
}  // namespace drover::security
