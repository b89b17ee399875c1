// `drover cert`: the real binary run as a subprocess against a CA in a temp dir,
// from `ca create` through issuing, listing, revoking and showing certificates.
// None of these commands may need a broker, so none is running.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using util::SubprocessResult;

constexpr int kExitUsage = 2;  // cli/context.hpp

class CertCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    // An empty client.yaml, so a file in /etc/drover cannot change what is tested.
    util::writeFileAtomically(config(), "");
  }

  fs::path config() const { return dir_ / "client.yaml"; }
  fs::path caDir() const { return dir_ / "ca"; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  SubprocessResult drover(std::vector<std::string> args) const {
    std::vector<std::string> argv = {fs::path(DROVER_BINARY_DIR) / "cli" / "drover", "--config",
                                     config()};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::runProcess(argv, "", std::chrono::seconds(30));
  }

  // Runs `drover cert ARGS...` and expects exit 0, showing stderr otherwise.
  SubprocessResult cert(std::vector<std::string> args) const {
    args.insert(args.begin(), "cert");
    SubprocessResult result = drover(args);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return result;
  }

  void createCa() { cert({"ca", "create", "--dir", caDir(), "--name", "Test Collective CA"}); }

  SubprocessResult issue(const std::string& name, const std::string& role) const {
    return drover({"cert", "issue", "--dir", caDir(), "--name", name, "--role", role, "--out-key",
                   path(name + ".key"), "--out-cert", path(name + ".crt")});
  }

  // `cert list --json`, as name -> status.
  std::map<std::string, std::string> statuses() const {
    std::map<std::string, std::string> byName;
    for (const auto& item : Json::parse(cert({"list", "--dir", caDir(), "--json"}).out)) {
      byName[item.at("name").get<std::string>()] = item.at("status").get<std::string>();
    }
    return byName;
  }

  testing::TempDir dir_;
};

unsigned modeOf(const std::string& file) {
  struct stat info {};
  EXPECT_EQ(::stat(file.c_str(), &info), 0) << file;
  return info.st_mode & 0777;
}

TEST_F(CertCommand, CreateIssueListRevokeShow) {
  createCa();
  ASSERT_TRUE(fs::exists(caDir() / "ca.crt"));
  ASSERT_EQ(issue("alice.admin", "admin").exitCode, 0);
  ASSERT_EQ(issue("web1.example.com", "node").exitCode, 0);
  EXPECT_EQ(modeOf(path("web1.example.com.key")), 0600u);

  using Statuses = std::map<std::string, std::string>;
  EXPECT_EQ(statuses(), (Statuses{{"alice.admin", "valid"}, {"web1.example.com", "valid"}}));

  SubprocessResult revoked = cert({"revoke", "--dir", caDir(), "--name", "web1.example.com"});
  const fs::path crl = caDir() / "crl.pem";
  EXPECT_NE(revoked.out.find(crl.string()), std::string::npos) << revoked.out;
  EXPECT_TRUE(fs::exists(crl));
  EXPECT_EQ(statuses(), (Statuses{{"alice.admin", "valid"}, {"web1.example.com", "revoked"}}));
  SubprocessResult table = cert({"list", "--dir", caDir()});
  EXPECT_NE(table.out.find("revoked"), std::string::npos) << table.out;

  fs::remove(path("alice.admin.key"));
  SubprocessResult duplicate = issue("alice.admin", "admin");
  EXPECT_EQ(duplicate.exitCode, kExitUsage);
  EXPECT_NE(duplicate.err.find("alice.admin"), std::string::npos) << duplicate.err;
  EXPECT_NE(duplicate.err.find("live"), std::string::npos) << duplicate.err;

  SubprocessResult shown = cert({"show", path("alice.admin.crt")});
  EXPECT_NE(shown.out.find("role:        admin"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("name:        alice.admin"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("Test Collective CA"), std::string::npos) << shown.out;
}

TEST_F(CertCommand, RevokedNameMayBeIssuedAgain) {
  createCa();
  ASSERT_EQ(issue("web2", "node").exitCode, 0);
  cert({"revoke", "--dir", caDir(), "--name", "web2"});
  fs::remove(path("web2.key"));
  EXPECT_EQ(issue("web2", "node").exitCode, 0);
}

TEST_F(CertCommand, RequestThenSign) {
  createCa();
  cert({"request", "--name", "prov1.provisioner", "--out-key", path("prov1.key"), "--out-csr",
        path("prov1.csr")});
  EXPECT_EQ(modeOf(path("prov1.key")), 0600u);
  cert({"sign", "--dir", caDir(), "--csr", path("prov1.csr"), "--role", "provisioner", "--days",
        "30", "--out", path("prov1.crt")});
  SubprocessResult shown = cert({"show", path("prov1.crt")});
  EXPECT_NE(shown.out.find("role:        provisioner"), std::string::npos) << shown.out;
}

TEST_F(CertCommand, RefusesWithExitTwoNamingTheCulprit) {
  SubprocessResult noCa = issue("web3", "node");
  EXPECT_EQ(noCa.exitCode, kExitUsage);
  EXPECT_NE(noCa.err.find(caDir().string()), std::string::npos) << noCa.err;

  createCa();
  SubprocessResult again =
      drover({"cert", "ca", "create", "--dir", caDir(), "--name", "Second CA"});
  EXPECT_EQ(again.exitCode, kExitUsage);
  EXPECT_NE(again.err.find("already holds a CA"), std::string::npos) << again.err;

  SubprocessResult badRole = issue("web3", "root");
  EXPECT_EQ(badRole.exitCode, kExitUsage);
  EXPECT_NE(badRole.err.find("'root'"), std::string::npos) << badRole.err;

  SubprocessResult nodeAsAdmin = issue("web3", "admin");
  EXPECT_EQ(nodeAsAdmin.exitCode, kExitUsage);
  EXPECT_NE(nodeAsAdmin.err.find("web3"), std::string::npos) << nodeAsAdmin.err;

  util::writeFileAtomically(dir_ / "junk.csr", "not a request\n");
  SubprocessResult badCsr = drover({"cert", "sign", "--dir", caDir(), "--csr", path("junk.csr"),
                                    "--role", "node", "--out", path("junk.crt")});
  EXPECT_EQ(badCsr.exitCode, kExitUsage);
  EXPECT_NE(badCsr.err.find("junk.csr"), std::string::npos) << badCsr.err;
  EXPECT_FALSE(fs::exists(path("junk.crt")));
}

}  // namespace
}  // namespace drover
