// Keys, CSRs, certificate parsing, and the role/name rules.
#include "core/security/keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/security/certificate.hpp"
#include "core/security/roles.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::security {
namespace {

using testing::ScratchDir;

TEST(SecurityKeys, PrivateKeyRoundTripsThroughAFileWithMode0600) {
  ScratchDir dir;
  PkeyPtr key = generateKey();
  writePrivateKey(dir / "node.key", key.get());
  struct stat info {};
  ASSERT_EQ(::stat((dir / "node.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  PkeyPtr back = readPrivateKey(dir / "node.key");
  EXPECT_EQ(EVP_PKEY_id(back.get()), EVP_PKEY_ED25519);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), back.get()), 1);
}

TEST(SecurityKeys, GarbageKeyIsAnOpenSslErrorWithTheQueueText) {
  try {
    privateKeyFromPem("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
    FAIL() << "garbage accepted";
  } catch (const OpenSslError& e) {
    EXPECT_NE(std::string(e.what()).find("reading a PEM private key"), std::string::npos);
  }
}

TEST(SecurityKeys, CsrCarriesTheNameAndVerifies) {
  PkeyPtr key = generateKey();
  X509ReqPtr csr = csrFromPem(csrToPem(makeCsr(key.get(), "web1.example.com").get()));
  EXPECT_EQ(commonName(X509_REQ_get_subject_name(csr.get())), "web1.example.com");
  EXPECT_EQ(X509_REQ_verify(csr.get(), key.get()), 1);
}

TEST(SecurityKeys, CsrForAnInvalidNameIsRefused) {
  PkeyPtr key = generateKey();
  for (const char* name : {"", "a b", "web1\tx", "../etc", "web..1", ".web1", "web1-"}) {
    EXPECT_THROW(makeCsr(key.get(), name), std::invalid_argument) << name;
  }
}

TEST(SecurityRoles, NameSuffixStandsForTheRole) {
  EXPECT_EQ(roleForName("alice.admin"), Role::Admin);
  EXPECT_EQ(roleForName("prov1.provisioner"), Role::Provisioner);
  EXPECT_EQ(roleForName("web1.example.com"), Role::Node);
  EXPECT_EQ(roleForName("admin"), Role::Node);  // a bare word is not a suffix
  EXPECT_NO_THROW(checkNameForRole("alice.admin", Role::Admin));
  EXPECT_THROW(checkNameForRole("alice", Role::Admin), std::invalid_argument);
  EXPECT_THROW(checkNameForRole("alice.admin", Role::Node), std::invalid_argument);
  EXPECT_THROW(checkNameForRole("web1.provisioner", Role::Node), std::invalid_argument);
}

TEST(SecurityRoles, RolesRoundTripThroughText) {
  for (Role role : {Role::Admin, Role::Node, Role::Provisioner}) {
    EXPECT_EQ(parseRole(toString(role)), role);
    EXPECT_EQ(roleUri(role), "drover:role:" + std::string(toString(role)));
  }
  EXPECT_FALSE(parseRole("root").has_value());
}

TEST(SecurityCertificate, PemAndDerParseToTheSameCertificate) {
  testing::TestCollective collective;
  auto node = collective.issue("web1", Role::Node);
  X509Ptr fromPem = parseCertificate(node.certPem);
  std::string der = certificateToDer(fromPem.get());
  X509Ptr fromDer = parseCertificate(der);
  EXPECT_EQ(X509_cmp(fromPem.get(), fromDer.get()), 0);
  EXPECT_EQ(certificateName(fromDer.get()), "web1");
  EXPECT_EQ(roleUris(fromDer.get()), std::vector<std::string>{"drover:role:node"});
  EXPECT_EQ(fingerprintOf(der).size(), 64u);
  EXPECT_THROW(certificateFromDer(der + "x"), OpenSslError);  // trailing bytes
  EXPECT_THROW(certificateFromDer(der.substr(0, der.size() - 1)), OpenSslError);
}

}  // namespace
}  // namespace drover::security
