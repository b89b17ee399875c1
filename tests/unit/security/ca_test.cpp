// The CA directory: creation, issuing with roles, one live certificate per name,
// revocation and its CRL, and reloading from disk.
#include "core/security/ca.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::security {
namespace {

using testing::ScratchDir;
using testing::TestCollective;

std::string csrFor(const std::string& name) {
  PkeyPtr key = generateKey();
  return csrToPem(makeCsr(key.get(), name).get());
}

int crlEntries(const std::string& crlPem) {
  X509CrlPtr crl = crlFromPem(crlPem);
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  return revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
}

TEST(SecurityCa, CreateWritesTheDirectoryWithAPrivateKey) {
  TestCollective collective;
  for (const char* file : {"ca.key", "ca.crt", "serial", "index", "crl.pem"}) {
    EXPECT_TRUE(std::filesystem::exists(collective.caDir() / file)) << file;
  }
  struct stat info {};
  ASSERT_EQ(::stat((collective.caDir() / "ca.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  X509Ptr caCert = certificateFromPem(collective.ca().certificatePem());
  EXPECT_EQ(certificateName(caCert.get()), "Test Collective CA");
  EXPECT_EQ(X509_check_ca(caCert.get()), 1);
  EXPECT_EQ(crlEntries(collective.ca().crlPem()), 0);
}

TEST(SecurityCa, CreatingOverAnExistingCaIsRefused) {
  TestCollective collective;
  EXPECT_THROW(CertificateAuthority::create(collective.caDir(), "again"),
               CertificateAuthority::Error);
}

TEST(SecurityCa, LoadingADirectoryWithoutACaIsRefused) {
  ScratchDir dir;
  EXPECT_THROW(CertificateAuthority::load(dir.path()), CertificateAuthority::Error);
}

TEST(SecurityCa, IssuesEachRoleWithItsUriAndAUniqueSerial) {
  TestCollective collective;
  auto admin = collective.issue("alice.admin", Role::Admin);
  auto node = collective.issue("web1.example.com", Role::Node);
  auto provisioner = collective.issue("prov1.provisioner", Role::Provisioner);
  X509Ptr cert = certificateFromPem(admin.certPem);
  EXPECT_EQ(roleUris(cert.get()), std::vector<std::string>{"drover:role:admin"});
  auto issued = collective.ca().issued();
  ASSERT_EQ(issued.size(), 3u);
  EXPECT_EQ(issued[0].name, "alice.admin");
  EXPECT_EQ(issued[1].role, Role::Node);
  EXPECT_EQ(issued[2].role, Role::Provisioner);
  std::set<std::string> serials{issued[0].serial, issued[1].serial, issued[2].serial};
  EXPECT_EQ(serials.size(), 3u);
  EXPECT_EQ(issued[0].serial, serialHex(cert.get()));
  EXPECT_EQ(issued[0].fingerprint, fingerprintOf(certificateToDer(cert.get())));
}

TEST(SecurityCa, ValidityFollowsTheOptions) {
  TestCollective collective;
  CertificateAuthority::IssueOptions options;
  options.validityDays = 10;
  X509Ptr cert = certificateFromPem(collective.issue("web1", Role::Node, options).certPem);
  std::int64_t days = (notAfterMs(cert.get()) - notBeforeMs(cert.get())) / kMsPerDay;
  EXPECT_EQ(days, 10);
  EXPECT_LE(notBeforeMs(cert.get()), util::nowMs());
}

TEST(SecurityCa, NameMustFitTheRole) {
  TestCollective collective;
  EXPECT_THROW(collective.ca().sign(csrFor("alice"), Role::Admin), CertificateAuthority::Error);
  EXPECT_THROW(collective.ca().sign(csrFor("alice.admin"), Role::Node),
               CertificateAuthority::Error);
  EXPECT_THROW(collective.ca().sign(csrFor("web1"), Role::Provisioner),
               CertificateAuthority::Error);
  EXPECT_TRUE(collective.ca().issued().empty());
}

TEST(SecurityCa, MalformedOrTamperedCsrIsRefused) {
  TestCollective collective;
  EXPECT_THROW(collective.ca().sign("not a csr", Role::Node), CertificateAuthority::Error);
  // A CSR whose subject was changed after signing no longer verifies.
  PkeyPtr key = generateKey();
  X509ReqPtr csr = makeCsr(key.get(), "web1");
  X509_NAME* subject = X509_REQ_get_subject_name(csr.get());
  std::unique_ptr<X509_NAME_ENTRY, OpenSslDeleter<X509_NAME_ENTRY_free>> removed(
      X509_NAME_delete_entry(subject, 0));
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("web2"), -1, -1, 0);
  try {
    collective.ca().sign(csrToPem(csr.get()), Role::Node);
    FAIL() << "tampered CSR signed";
  } catch (const CertificateAuthority::Error& e) {
    EXPECT_STREQ(e.what(), "certificate signing request has a bad signature");
  }
}

TEST(SecurityCa, SecondLiveCertificateForANameIsRefusedUntilRevoked) {
  TestCollective collective;
  collective.issue("web1", Role::Node);
  try {
    collective.issue("web1", Role::Node);
    FAIL() << "second certificate issued";
  } catch (const CertificateAuthority::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'web1' already has a live certificate"),
              std::string::npos);
  }
  collective.ca().revoke("web1");
  EXPECT_NO_THROW(collective.issue("web1", Role::Node));
  EXPECT_EQ(collective.ca().issued().size(), 2u);
}

TEST(SecurityCa, AnExpiredCertificateDoesNotBlockItsName) {
  TestCollective collective;
  CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 10 * kMsPerDay;
  past.notAfterMs = util::nowMs() - kMsPerDay;
  collective.issue("web1", Role::Node, past);
  EXPECT_NO_THROW(collective.issue("web1", Role::Node));
}

TEST(SecurityCa, RevokingAnUnknownNameIsRefused) {
  TestCollective collective;
  EXPECT_THROW(collective.ca().revoke("ghost"), CertificateAuthority::Error);
}

TEST(SecurityCa, RevocationPersistsAcrossReload) {
  TestCollective collective;
  collective.issue("web1", Role::Node);
  collective.issue("web2", Role::Node);
  collective.ca().revoke("web1");
  CertificateAuthority reloaded = CertificateAuthority::load(collective.caDir());
  auto issued = reloaded.issued();
  ASSERT_EQ(issued.size(), 2u);
  EXPECT_TRUE(issued[0].revoked);
  EXPECT_GT(issued[0].revokedAtMs, 0);
  EXPECT_FALSE(issued[1].revoked);
  EXPECT_EQ(crlEntries(reloaded.crlPem()), 1);
  // The reloaded CA keeps counting serials and keeps the CRL when it re-signs it.
  reloaded.refreshCrl();
  EXPECT_EQ(crlEntries(reloaded.crlPem()), 1);
  X509Ptr third = certificateFromPem(reloaded.sign(csrFor("web3"), Role::Node));
  EXPECT_NE(serialHex(third.get()), issued[0].serial);
  EXPECT_NE(serialHex(third.get()), issued[1].serial);
}

TEST(SecurityCa, NamesTheFilesNodesArePointedAt) {
  TestCollective collective;
  CertificateAuthority& ca = collective.ca();
  EXPECT_EQ(ca.certificateFile(), collective.caDir() / "ca.crt");
  EXPECT_EQ(ca.crlFile(), collective.caDir() / "crl.pem");
  EXPECT_EQ(util::readFile(ca.crlFile()), ca.crlPem());
  EXPECT_EQ(util::readFile(ca.certificateFile()), ca.certificatePem());
}

TEST(SecurityCa, CrlHasANextUpdate) {
  TestCollective collective;
  X509CrlPtr crl = crlFromPem(collective.ca().crlPem());
  ASSERT_NE(X509_CRL_get0_nextUpdate(crl.get()), nullptr);
  std::int64_t next = asn1TimeToMs(X509_CRL_get0_nextUpdate(crl.get()));
  EXPECT_GT(next, util::nowMs() + (CertificateAuthority::kCrlValidityDays - 1) * kMsPerDay);
}

}  // namespace
}  // namespace drover::security
