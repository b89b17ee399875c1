// Verifying peer certificates: chain to our CA, dates, revocation, role, and the cache.
#include "core/security/certificate_store.hpp"

#include <gtest/gtest.h>

#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/security/issuing.hpp"
#include "core/util/clock.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::security {
namespace {

using testing::TestCollective;
using Reason = VerifyError::Reason;

// Runs `verify` and returns the error it raised; fails the test if it succeeded.
template <typename Fn>
VerifyError refusal(Fn verify) {
  try {
    verify();
  } catch (const VerifyError& e) {
    return e;
  }
  ADD_FAILURE() << "verification succeeded";
  return VerifyError(Reason::Other, "");
}

bool contains(const VerifyError& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

TEST(SecurityCertificateStore, EachRoleVerifiesAndIsReported) {
  TestCollective collective;
  auto store = collective.store();
  std::int64_t now = util::nowMs();
  auto admin = store->verify(collective.issue("alice.admin", Role::Admin).certPem, now);
  EXPECT_EQ(admin.name, "alice.admin");
  EXPECT_EQ(admin.role, Role::Admin);
  auto node = store->verify(collective.issue("web1", Role::Node).certPem, now);
  EXPECT_EQ(node.role, Role::Node);
  auto provisioner =
      store->verify(collective.issue("p1.provisioner", Role::Provisioner).certPem, now);
  EXPECT_EQ(provisioner.role, Role::Provisioner);
  EXPECT_EQ(node.fingerprint.size(), 64u);
  EXPECT_GT(node.notAfterMs, now);
  ASSERT_NE(node.publicKey, nullptr);
}

TEST(SecurityCertificateStore, PemAndDerShareOneCacheEntry) {
  TestCollective collective;
  auto store = collective.store();
  auto node = collective.issue("web1", Role::Node);
  auto fromPem = store->verify(node.certPem, util::nowMs());
  X509Ptr cert = certificateFromPem(node.certPem);
  auto fromDer = store->verify(certificateToDer(cert.get()), util::nowMs());
  EXPECT_EQ(fromPem.fingerprint, fromDer.fingerprint);
  EXPECT_EQ(store->cacheSize(), 1u);
}

TEST(SecurityCertificateStore, CertificateFromAnotherCaIsRefused) {
  TestCollective ours;
  TestCollective theirs("Test Collective CA");  // same CA name, different key
  auto store = ours.store();
  auto stranger = theirs.issue("web1", Role::Node);
  auto error = refusal([&] { store->verify(stranger.certPem, util::nowMs()); });
  EXPECT_EQ(error.reason(), Reason::Untrusted);
  EXPECT_STREQ(error.what(), "certificate of 'web1' is not issued by this collective's CA");
}

TEST(SecurityCertificateStore, ExpiredCertificateIsRefusedWithItsDate) {
  TestCollective collective;
  auto store = collective.store();
  CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 10 * kMsPerDay;
  past.notAfterMs = util::nowMs() - kMsPerDay;
  auto old = collective.issue("web1", Role::Node, past);
  auto error = refusal([&] { store->verify(old.certPem, util::nowMs()); });
  EXPECT_EQ(error.reason(), Reason::Expired);
  EXPECT_TRUE(contains(error, "certificate of 'web1' expired at " + formatUtc(*past.notAfterMs)))
      << error.what();
}

TEST(SecurityCertificateStore, FutureCertificateIsNotYetValid) {
  TestCollective collective;
  auto store = collective.store();
  CertificateAuthority::IssueOptions future;
  future.notBeforeMs = util::nowMs() + kMsPerDay;
  auto later = collective.issue("web1", Role::Node, future);
  EXPECT_EQ(refusal([&] { store->verify(later.certPem, util::nowMs()); }).reason(),
            Reason::NotYetValid);
}

TEST(SecurityCertificateStore, CachedSuccessStillHonoursExpiry) {
  TestCollective collective;
  auto store = collective.store();
  auto node = collective.issue("web1", Role::Node);
  auto principal = store->verify(node.certPem, util::nowMs());
  auto error = refusal([&] { store->verify(node.certPem, principal.notAfterMs + 2000); });
  // Past the certificate's end the CRL (1 year) is still valid, so this is "expired".
  EXPECT_EQ(error.reason(), Reason::Expired);
}

TEST(SecurityCertificateStore, RevokedCertificateIsRefusedAfterCrlReload) {
  TestCollective collective;
  auto store = collective.store();
  auto node = collective.issue("web1", Role::Node);
  store->verify(node.certPem, util::nowMs());
  collective.ca().revoke("web1");
  EXPECT_NO_THROW(store->verify(node.certPem, util::nowMs()));  // the store has the old CRL
  EXPECT_TRUE(store->reload());
  EXPECT_EQ(store->cacheSize(), 0u);
  auto error = refusal([&] { store->verify(node.certPem, util::nowMs()); });
  EXPECT_EQ(error.reason(), Reason::Revoked);
  EXPECT_TRUE(contains(error, "certificate of 'web1' (serial ")) << error.what();
  EXPECT_TRUE(contains(error, ") is revoked")) << error.what();
  EXPECT_FALSE(store->reload());  // unchanged file: cache kept, nothing reloaded
}

TEST(SecurityCertificateStore, CrlFromAnotherCaIsRefused) {
  TestCollective ours;
  TestCollective theirs;
  auto store = ours.store();
  EXPECT_THROW(store->setCrl(theirs.ca().crlPem()), std::invalid_argument);
}

TEST(SecurityCertificateStore, TheCaCertificateHasNoRole) {
  TestCollective collective;
  auto store = collective.store();
  auto error = refusal([&] { store->verify(collective.ca().certificatePem(), util::nowMs()); });
  EXPECT_EQ(error.reason(), Reason::NoRole);
  EXPECT_STREQ(error.what(), "certificate of 'Test Collective CA' has no role");
}

TEST(SecurityCertificateStore, NameThatContradictsTheRoleIsRefused) {
  TestCollective collective;
  auto store = collective.store();
  // Only a CA that skips its own checks could make this: an admin-shaped node name.
  PkeyPtr caKey = readPrivateKey(collective.caDir() / "ca.key");
  X509Ptr caCert = certificateFromPem(collective.ca().certificatePem());
  PkeyPtr key = generateKey();
  std::int64_t now = util::nowMs();
  X509Ptr forged = makeLeafCertificate(caKey.get(), caCert.get(), key.get(), Role::Node,
                                       {"alice.admin", "7F", now - 1000, now + kMsPerDay});
  auto error = refusal([&] { store->verify(certificateToPem(forged.get()), now); });
  EXPECT_EQ(error.reason(), Reason::BadRole);
}

TEST(SecurityCertificateStore, MalformedCertificateIsRefused) {
  TestCollective collective;
  auto store = collective.store();
  EXPECT_EQ(refusal([&] { store->verify("\x30\x03garbage", util::nowMs()); }).reason(),
            Reason::Malformed);
  EXPECT_EQ(refusal([&] { store->verify("", util::nowMs()); }).reason(), Reason::Malformed);
}

TEST(SecurityCertificateStore, CacheIsBounded) {
  TestCollective collective;
  auto store = collective.store(2);
  for (const char* name : {"web1", "web2", "web3"}) {
    store->verify(collective.issue(name, Role::Node).certPem, util::nowMs());
  }
  EXPECT_EQ(store->cacheSize(), 2u);
}

}  // namespace
}  // namespace drover::security
