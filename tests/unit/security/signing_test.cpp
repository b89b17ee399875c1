// Signatures over bytes and envelopes, and everything verifyEnvelope refuses.
#include "core/security/signing.hpp"

#include <gtest/gtest.h>

#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::security {
namespace {

using testing::Identity;
using testing::TestCollective;
using Reason = VerifyError::Reason;

envelope::Envelope request(const std::string& sender) {
  envelope::Envelope env;
  env.id = util::randomId();
  env.sender = sender;
  env.collective = "drover";
  env.agent = "puppet";
  env.action = "runonce";
  env.args = Json{{"environment", "production"}};
  env.time = util::nowMs();
  return env;
}

// Sends through the codec as the bus would, so what is verified is what was decoded.
envelope::Envelope overTheWire(const envelope::Envelope& env) {
  return envelope::decode(envelope::encode(env));
}

Reason refusalReason(const envelope::Envelope& env, CertificateStore& store) {
  try {
    verifyEnvelope(env, store, util::nowMs());
  } catch (const VerifyError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "envelope accepted";
  return Reason::Other;
}

class SecuritySigning : public ::testing::Test {
 protected:
  TestCollective collective_;
  std::unique_ptr<CertificateStore> store_ = collective_.store();
  Identity admin_ = collective_.issue("alice.admin", Role::Admin);
  Identity node_ = collective_.issue("web1", Role::Node);
};

TEST_F(SecuritySigning, SignatureOverBytesVerifiesAndAFlippedBitDoesNot) {
  Signer signer = admin_.signer();
  std::string signature = signer.sign("hello");
  EXPECT_EQ(signature.size(), 64u);
  X509Ptr cert = certificateFromPem(admin_.certPem);
  EXPECT_TRUE(verifySignature(cert.get(), "hello", signature));
  EXPECT_FALSE(verifySignature(cert.get(), "hellp", signature));
  signature[10] = static_cast<char>(signature[10] ^ 1);
  EXPECT_FALSE(verifySignature(cert.get(), "hello", signature));
  EXPECT_FALSE(verifySignature(cert.get(), "hello", signature.substr(0, 63)));
  EXPECT_FALSE(verifySignature(cert.get(), "hello", ""));
}

TEST_F(SecuritySigning, SignerRefusesAKeyThatIsNotTheCertificates) {
  EXPECT_THROW(Signer(generateKey(), admin_.certPem), std::invalid_argument);
}

TEST_F(SecuritySigning, SignedEnvelopeVerifiesAfterTheWire) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  EXPECT_FALSE(env.cert.empty());
  EXPECT_FALSE(isPem(env.cert));  // DER on the wire
  auto principal = verifyEnvelope(overTheWire(env), *store_, util::nowMs());
  EXPECT_EQ(principal.name, "alice.admin");
  EXPECT_EQ(principal.role, Role::Admin);
}

TEST_F(SecuritySigning, NodeReplyReportsTheNodeRole) {
  envelope::Envelope req = request("alice.admin");
  envelope::Envelope reply = envelope::makeReply(req, "web1", {}, Json{{"ok", true}});
  signEnvelope(reply, node_.signer());
  auto principal = verifyEnvelope(overTheWire(reply), *store_, util::nowMs());
  EXPECT_EQ(principal.name, "web1");
  EXPECT_EQ(principal.role, Role::Node);
}

TEST_F(SecuritySigning, EmptySenderIsFilledAndAForeignSenderIsNotSigned) {
  envelope::Envelope env = request("");
  signEnvelope(env, admin_.signer());
  EXPECT_EQ(env.sender, "alice.admin");
  envelope::Envelope other = request("bob.admin");
  EXPECT_THROW(signEnvelope(other, admin_.signer()), std::invalid_argument);
}

TEST_F(SecuritySigning, ChangedArgumentsAfterSigningAreRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  env.args["environment"] = "productioN";
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, FlippedByteInTheEncodedArgsIsRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  std::string wire = envelope::encode(env);
  auto at = wire.find("production");
  ASSERT_NE(at, std::string::npos);
  wire[at] = 'P';
  EXPECT_EQ(refusalReason(envelope::decode(wire), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, UnsignedMessageIsRefused) {
  envelope::Envelope env = request("alice.admin");
  try {
    verifyEnvelope(env, *store_, util::nowMs());
    FAIL() << "unsigned message accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::Unsigned);
    EXPECT_EQ(std::string(e.what()).rfind("unsigned message", 0), 0u) << e.what();
  }
}

TEST_F(SecuritySigning, MessageWithoutCertificateIsRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  env.cert.clear();
  EXPECT_EQ(refusalReason(env, *store_), Reason::NoCertificate);
}

TEST_F(SecuritySigning, SenderThatIsNotTheCertificatesNameIsRefused) {
  // web1 holds a valid certificate and signs properly, but claims to be alice.admin.
  envelope::Envelope env = request("alice.admin");
  Signer node = node_.signer();
  env.cert = node.certificateDer();
  env.sig = node.sign(envelope::signingBytes(env));
  try {
    verifyEnvelope(overTheWire(env), *store_, util::nowMs());
    FAIL() << "impersonation accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::SenderMismatch);
    EXPECT_STREQ(e.what(), "sender 'alice.admin' does not match certificate 'web1'");
  }
}

TEST_F(SecuritySigning, SomeoneElsesCertificateWithOurSignatureIsRefused) {
  // web1 attaches alice's (public) certificate to a message it signs itself.
  envelope::Envelope env = request("alice.admin");
  X509Ptr aliceCert = certificateFromPem(admin_.certPem);
  env.cert = certificateToDer(aliceCert.get());
  env.sig = node_.signer().sign(envelope::signingBytes(env));
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, CertificateFromAnotherCollectiveIsRefused) {
  TestCollective theirs;
  Identity impostor = theirs.issue("alice.admin", Role::Admin);
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, impostor.signer());
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::Untrusted);
}

TEST_F(SecuritySigning, ExpiredCertificateIsRefused) {
  CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 30 * kMsPerDay;
  past.notAfterMs = util::nowMs() - kMsPerDay;
  Identity old = collective_.issue("bob.admin", Role::Admin, past);
  envelope::Envelope env = request("bob.admin");
  signEnvelope(env, old.signer());
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::Expired);
}

TEST_F(SecuritySigning, RevokedSenderIsRefusedAfterCrlReload) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  EXPECT_NO_THROW(verifyEnvelope(env, *store_, util::nowMs()));
  collective_.ca().revoke("alice.admin");
  store_->reload();
  EXPECT_EQ(refusalReason(env, *store_), Reason::Revoked);
}

}  // namespace
}  // namespace drover::security
