// The master's side of the key check: where `puppetserver ca` keeps its CA, and the
// public key of the request or certificate it holds, matched to what it lists.
#include "agents/puppetca/ca_files.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "agents/puppet/key_fingerprint.hpp"
#include "core/security/certificate.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "testing/process.hpp"

namespace drover::agents::puppetca {
namespace {

namespace fs = std::filesystem;
using namespace drover::security;

constexpr std::int64_t kNotAfterMs = 1'900'000'000'000;

std::string csrDer(X509_REQ* csr) {
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(csr, &der);
  std::string out(reinterpret_cast<char*>(der), std::size_t(size));
  OPENSSL_free(der);
  return out;
}

std::string whereRootKeepsIt(const std::string& sub) {
  return ::geteuid() == 0 ? "/etc/puppet/" + sub
                          : std::string(std::getenv("HOME")) + "/.puppet/" + sub;
}

TEST(CaDirectory, TheCadirLineOfTheConfigTheLaterSectionWinning) {
  testing::TempDir dir;
  fs::path conf = dir.write("puppet.conf",
                            "[main]\ncadir = /srv/main/ca\nssldir = /srv/ssl\n"
                            "[server]\ncadir = /srv/server/ca   # the CLI ends a value here\n"
                            "[agent]\ncadir = /srv/agent/ca\n");
  EXPECT_EQ(caDirectory(conf), "/srv/server/ca");
}

TEST(CaDirectory, SsldirAndConfdirAreExpanded) {
  testing::TempDir dir;
  fs::path conf =
      dir.write("puppet.conf", "[main]\nssldir = /srv/ssl\n[master]\ncadir = $ssldir/ca\n");
  EXPECT_EQ(caDirectory(conf), "/srv/ssl/ca");
  conf = dir.write("puppet.conf", "cadir = $confdir/puppetserver/ca\n");
  EXPECT_EQ(caDirectory(conf), whereRootKeepsIt("puppetserver/ca"));
}

TEST(CaDirectory, OtherVariablesAreAnErrorNamingFileAndLine) {
  testing::TempDir dir;
  fs::path conf = dir.write("puppet.conf", "[main]\n\ncadir = $vardir/ca\n");
  try {
    caDirectory(conf);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(conf.string() + ":3: cadir: $vardir"), std::string::npos)
        << e.what();
  }
}

TEST(CaDirectory, WithoutCadirTheOldPlaceUnderSsldirIfItIsThere) {
  testing::TempDir dir;
  fs::path conf = dir.write("puppet.conf", "ssldir = " + (dir / "ssl").string() + "\n");
  EXPECT_EQ(caDirectory(conf), whereRootKeepsIt("puppetserver/ca"));
  fs::create_directories(dir / "ssl/ca");
  EXPECT_EQ(caDirectory(conf), dir / "ssl/ca");
}

TEST(CaDirectory, AnUnreadableConfigIsNamed) {
  EXPECT_THROW(caDirectory("/nonexistent/puppet.conf"), std::runtime_error);
}

class CaFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "requests");
    fs::create_directories(dir_ / "signed");
  }
  // A pending request as puppetserver keeps it, and its entry as `ca list` prints it.
  CertEntry request(EVP_PKEY* key, const std::string& name) {
    X509ReqPtr csr = makeCsr(key, name);
    dir_.write("requests/" + name + ".pem", csrToPem(csr.get()));
    return {name, "requested", puppet::puppetFingerprint(csrDer(csr.get())), {}, ""};
  }
  testing::TempDir dir_;
};

TEST_F(CaFiles, ThePendingRequestsKeyIsTheNodesKey) {
  PkeyPtr key = generateKey();
  CertEntry entry = request(key.get(), "n1.example");
  EXPECT_EQ(storedKeyFingerprint(dir_.path(), entry), puppet::keyFingerprint(key.get()));
  EXPECT_NE(storedKeyFingerprint(dir_.path(), entry), puppet::keyFingerprint(generateKey().get()));
}

TEST_F(CaFiles, TheSignedCertificatesKey) {
  PkeyPtr caKey = generateKey();
  X509Ptr ca = makeCaCertificate(caKey.get(), {"Puppet CA: m1", "01", 0, kNotAfterMs});
  PkeyPtr key = generateKey();
  X509Ptr cert = makeLeafCertificate(caKey.get(), ca.get(), key.get(), Role::Node,
                                     {"n1.example", "0a", 0, kNotAfterMs});
  dir_.write("signed/n1.example.pem", certificateToPem(cert.get()));
  CertEntry entry{
      "n1.example", "signed", puppet::puppetFingerprint(certificateToDer(cert.get())), {}, ""};
  EXPECT_EQ(storedKeyFingerprint(dir_.path(), entry), puppet::keyFingerprint(key.get()));
}

// Listed, then cleaned and asked again before the file was read: not the listed one.
TEST_F(CaFiles, AFileThatIsNotTheListedOneIsAnError) {
  CertEntry listed = request(generateKey().get(), "n1.example");
  request(generateKey().get(), "n1.example");
  try {
    storedKeyFingerprint(dir_.path(), listed);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("requests/n1.example.pem is not the requested entry"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(CaFiles, NoFileOrNoKeyToTell) {
  CertEntry gone{"gone.example", "requested", "AB", {}, ""};
  EXPECT_EQ(storedKeyFingerprint(dir_.path(), gone), std::nullopt);
  CertEntry revoked{"n1.example", "revoked", "AB", {}, ""};
  EXPECT_EQ(storedKeyFingerprint(dir_.path(), revoked), std::nullopt);
  dir_.write("requests/bad.example.pem", "not a request");
  CertEntry bad{"bad.example", "requested", "AB", {}, ""};
  EXPECT_THROW(storedKeyFingerprint(dir_.path(), bad), std::runtime_error);
}

}  // namespace
}  // namespace drover::agents::puppetca
