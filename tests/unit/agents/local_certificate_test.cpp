// certificate_status's view of a Puppet ssldir: key, certificate, request, CA.
#include "agents/provision/local_certificate.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "agents/puppet/key_fingerprint.hpp"
#include "core/security/certificate.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "testing/process.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using namespace drover::security;
using puppet::keyFingerprint;
using puppet::puppetFingerprint;

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kNotAfterMs = 1'900'000'000'000;

class Ssldir : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"certs", "private_keys", "certificate_requests"}) {
      fs::create_directories(dir_ / sub);
    }
    caKey_ = generateKey();
    ca_ = makeCaCertificate(caKey_.get(),
                            {"Puppet CA: m1", "01", kNotAfterMs - 365 * kDayMs, kNotAfterMs});
    write("certs/ca.pem", certificateToPem(ca_.get()));
  }

  void write(const std::string& name, const std::string& text) { dir_.write(name, text); }

  X509Ptr issueFor(EVP_PKEY* key, X509* ca, EVP_PKEY* caKey) {
    return makeLeafCertificate(caKey, ca, key, Role::Node,
                               {"n1.example", "0a", kNotAfterMs - kDayMs, kNotAfterMs});
  }

  testing::TempDir dir_;
  PkeyPtr caKey_;
  X509Ptr ca_;
};

TEST_F(Ssldir, NothingYet) {
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_FALSE(local.hasKey);
  EXPECT_FALSE(local.hasCertificate);
  EXPECT_FALSE(local.matchesKey);
  EXPECT_FALSE(local.hasRequest);
  EXPECT_EQ(local.fingerprint, "");
  EXPECT_EQ(local.keyFingerprint, "");
  EXPECT_EQ(local.requestKeyFingerprint, "");
}

TEST_F(Ssldir, PendingRequestHasTheFingerprintTheCaLists) {
  PkeyPtr key = generateKey();
  write("private_keys/n1.example.pem", privateKeyToPem(key.get()));
  X509ReqPtr csr = makeCsr(key.get(), "n1.example");
  write("certificate_requests/n1.example.pem", csrToPem(csr.get()));
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_TRUE(local.hasKey);
  EXPECT_TRUE(local.hasRequest);
  EXPECT_FALSE(local.hasCertificate);
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(csr.get(), &der);
  std::string expected = puppetFingerprint({reinterpret_cast<char*>(der), std::size_t(size)});
  OPENSSL_free(der);
  EXPECT_EQ(local.csrFingerprint, expected);
  EXPECT_EQ(expected.size(), 95u);
  EXPECT_EQ(expected.find_first_of("abcdef"), std::string::npos) << "upper case, as Puppet prints";
  // The key the node holds and the key in its request: the same one, told apart from
  // the digest of the whole request.
  EXPECT_EQ(local.keyFingerprint, keyFingerprint(key.get()));
  EXPECT_EQ(local.requestKeyFingerprint, local.keyFingerprint);
  EXPECT_NE(local.keyFingerprint, local.csrFingerprint);
  Json json = toJson(local);
  EXPECT_EQ(json["key_fingerprint"], local.keyFingerprint);
  EXPECT_EQ(json["request_key_fingerprint"], local.keyFingerprint);
}

// `openssl pkey -pubout -outform DER | openssl dgst -sha256`: the SubjectPublicKeyInfo.
TEST_F(Ssldir, KeyFingerprintIsTheSha256OfTheSubjectPublicKeyInfo) {
  PkeyPtr key = generateKey();
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key.get(), &der);
  ASSERT_GT(size, 0);
  std::string spki(reinterpret_cast<char*>(der), std::size_t(size));
  OPENSSL_free(der);
  EXPECT_EQ(keyFingerprint(key.get()), puppetFingerprint(spki));
  EXPECT_NE(keyFingerprint(key.get()), keyFingerprint(generateKey().get()));
}

// A request left by an earlier key: the node's key and its request's key differ.
TEST_F(Ssldir, RequestForAnEarlierKey) {
  PkeyPtr oldKey = generateKey();
  write("certificate_requests/n1.example.pem", csrToPem(makeCsr(oldKey.get(), "n1.example").get()));
  PkeyPtr newKey = generateKey();
  write("private_keys/n1.example.pem", privateKeyToPem(newKey.get()));
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_EQ(local.keyFingerprint, keyFingerprint(newKey.get()));
  EXPECT_EQ(local.requestKeyFingerprint, keyFingerprint(oldKey.get()));
}

TEST_F(Ssldir, SignedCertificateMatchingItsKey) {
  PkeyPtr key = generateKey();
  write("private_keys/n1.example.pem", privateKeyToPem(key.get()));
  X509Ptr cert = issueFor(key.get(), ca_.get(), caKey_.get());
  write("certs/n1.example.pem", certificateToPem(cert.get()));
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_TRUE(local.hasCertificate);
  EXPECT_TRUE(local.matchesKey);
  EXPECT_TRUE(local.signedByCa);
  EXPECT_EQ(local.notAfter, kNotAfterMs / 1000);
  EXPECT_EQ(local.fingerprint, puppetFingerprint(certificateToDer(cert.get())));
  Json json = toJson(local);
  EXPECT_EQ(json["matches_key"], true);
  EXPECT_EQ(json["fingerprint"], local.fingerprint);
}

// The node made a new key after its certificate was signed: the pair no longer fits.
TEST_F(Ssldir, CertificateForAnotherKey) {
  PkeyPtr oldKey = generateKey();
  X509Ptr cert = issueFor(oldKey.get(), ca_.get(), caKey_.get());
  write("certs/n1.example.pem", certificateToPem(cert.get()));
  PkeyPtr newKey = generateKey();
  write("private_keys/n1.example.pem", privateKeyToPem(newKey.get()));
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_TRUE(local.hasCertificate);
  EXPECT_TRUE(local.hasKey);
  EXPECT_FALSE(local.matchesKey);
  EXPECT_TRUE(local.signedByCa);
}

// A certificate from another master's CA than the one the node trusts.
TEST_F(Ssldir, CertificateFromAnotherCa) {
  PkeyPtr otherCaKey = generateKey();
  X509Ptr otherCa = makeCaCertificate(otherCaKey.get(),
                                      {"Puppet CA: m2", "02", kNotAfterMs - kDayMs, kNotAfterMs});
  PkeyPtr key = generateKey();
  write("private_keys/n1.example.pem", privateKeyToPem(key.get()));
  write("certs/n1.example.pem",
        certificateToPem(issueFor(key.get(), otherCa.get(), otherCaKey.get()).get()));
  auto local = inspectLocalCertificate(dir_.path(), "n1.example");
  EXPECT_TRUE(local.matchesKey);
  EXPECT_FALSE(local.signedByCa);
}

TEST_F(Ssldir, UnreadableCertificateNamesTheFile) {
  write("certs/n1.example.pem", "not a certificate");
  try {
    inspectLocalCertificate(dir_.path(), "n1.example");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("certs/n1.example.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace drover::agents::provision
