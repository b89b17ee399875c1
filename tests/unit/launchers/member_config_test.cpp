#include "launchers/local/member_config.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "node/node_config.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

MemberLaunch dbMember() { return {"shop-db-0", "db", "db", "masterful", Json::object(), {}}; }

class MemberConfigTest : public ::testing::Test {
 protected:
  fs::path root() const { return dir_ / "state" / "shop" / "shop-db-0" / "root"; }
  MemberConfig configFrom(const std::string& yaml) {
    fs::path base = dir_.write("member.yaml", yaml);
    return memberConfig(yaml, base, dbMember(), root());
  }
  static unsigned modeOf(const fs::path& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 07777;
  }

  testing::TempDir dir_;
};

TEST_F(MemberConfigTest, SetsIdentityNamingRootAndPathsUnderTheRoot) {
  YAML::Node config = YAML::Load(configFrom("broker:\n  publish: tcp://10.213.0.1:7301\n").yaml);
  EXPECT_EQ(config["identity"].as<std::string>(), "shop-db-0");
  EXPECT_EQ(config["root"].as<std::string>(), root().string());
  EXPECT_EQ(config["naming"]["service"].as<std::string>(), "db");
  EXPECT_EQ(config["naming"]["type"].as<std::string>(), "masterful");
  EXPECT_EQ(config["broker"]["publish"].as<std::string>(), "tcp://10.213.0.1:7301");
  EXPECT_EQ(config["pid_file"].as<std::string>(), (root() / "run" / "droverd.pid").string());
  for (const char* key : {"ca_file", "crl_file", "cert_file", "key_file", "provisioning_token_file",
                          "policy_dir", "audit_log"}) {
    EXPECT_EQ(config["security"][key].as<std::string>().rfind(root().string() + "/", 0), 0u) << key;
  }
}

TEST_F(MemberConfigTest, EachMemberGetsItsOwnCopyOfTheCaAndToken) {
  dir_.write("ca.pem", "CA\n");
  dir_.write("token", "token: 0123456789abcdef0123456789abcdef\n");
  MemberConfig config = configFrom("security:\n  ca_file: ca.pem\n  provisioning_token_file: " +
                                   (dir_ / "token").string() + "\n");
  writeMemberRoot(config, dbMember(), root(), "10.213.0.2");
  const fs::path etc = root() / "etc" / "drover";
  EXPECT_EQ(util::readFile(etc / "ssl" / "ca.pem"), "CA\n");
  EXPECT_EQ(util::readFile(etc / "provisioning.token"), util::readFile(dir_ / "token"));
  EXPECT_EQ(modeOf(etc / "provisioning.token"), 0600u);
  EXPECT_EQ(modeOf(root() / "root"), 0700u);
  EXPECT_EQ(util::readFile(root() / "etc" / "hostname"), "shop-db-0\n");
  EXPECT_NE(util::readFile(root() / "etc" / "hosts").find("10.213.0.2\tshop-db-0\n"),
            std::string::npos);
  EXPECT_TRUE(fs::is_directory(root() / "etc" / "ssh"));
  EXPECT_TRUE(fs::is_empty(root() / "etc" / "ssh"));  // no host keys of the machine
}

TEST_F(MemberConfigTest, TheRevocationListAndPoliciesAreReadWhereTheyAre) {
  dir_.write("crl.pem", "CRL\n");
  fs::create_directory(dir_ / "policies");
  MemberConfig config = configFrom(
      "security:\n  crl_file: crl.pem\n  policy_dir: " + (dir_ / "policies").string() + "\n");
  YAML::Node security = YAML::Load(config.yaml)["security"];
  EXPECT_EQ(security["crl_file"].as<std::string>(), (dir_ / "crl.pem").string());
  EXPECT_EQ(security["policy_dir"].as<std::string>(), (dir_ / "policies").string());
  EXPECT_TRUE(config.copies.empty());
}

TEST_F(MemberConfigTest, TheWrittenConfigIsOneDroverdLoads) {
  MemberConfig config = configFrom("main_collective: shop\nsecurity:\n  enabled: false\n");
  writeMemberRoot(config, dbMember(), root(), "10.213.0.2");
  node::NodeConfig loaded = node::NodeConfig::load(memberConfigFile(root()));
  EXPECT_EQ(loaded.identity, "shop-db-0");
  EXPECT_EQ(loaded.mainCollective, "shop");
  EXPECT_EQ(loaded.root, root());
  EXPECT_FALSE(loaded.securityEnabled);
  EXPECT_EQ(loaded.builtinAgents.naming.service, "db");
}

TEST_F(MemberConfigTest, AFileTheBaseNamesMustExist) {
  try {
    configFrom("security:\n  ca_file: /nonexistent/ca.pem\n");
    FAIL() << "a missing CA file was accepted";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("security.ca_file: /nonexistent/ca.pem does not exist"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("member.yaml"), std::string::npos) << e.what();
  }
}

TEST_F(MemberConfigTest, ABaseThatIsNotAMappingIsRefused) {
  for (const char* bad :
       {"- a\n- b\n", "just text\n", "security: [1]\n", "naming: db\n", "a: [\n"}) {
    EXPECT_THROW(configFrom(bad), LaunchError) << bad;
  }
}

}  // namespace
}  // namespace drover::launchers
