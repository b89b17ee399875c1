// The first-boot user data shipped in etc/cloud-init/: cloud-init's own schema accepts it,
// the server.yaml it writes is one droverd loads as written (every key real, every value
// valid), and the token is written with mode 0600 and named nowhere on a command line.
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "node/node_config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kUserData = fs::path(DROVER_SOURCE_DIR) / "etc/cloud-init/user-data.yaml";

std::map<std::string, YAML::Node> filesOf(const YAML::Node& userData) {
  std::map<std::string, YAML::Node> out;
  YAML::Node files = userData["write_files"];
  for (std::size_t i = 0; i < files.size(); ++i) {
    YAML::Node file = files[i];
    out.emplace(file["path"].as<std::string>(), file);
  }
  return out;
}

TEST(CloudInitExample, CloudInitsSchemaAcceptsIt) {
  if (!fs::exists("/usr/bin/cloud-init")) GTEST_SKIP() << "cloud-init is not installed";
  auto result = util::runProcess(
      {"/usr/bin/cloud-init", "schema", "--config-file", kUserData.string()}, "", 120s);
  EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
}

TEST(CloudInitExample, ItsServerYamlLoadsAsDroverdReadsIt) {
  auto files = filesOf(YAML::LoadFile(kUserData.string()));
  ASSERT_TRUE(files.count("/etc/drover/server.yaml"));
  config::testing::ScratchDir dir;
  auto c = config::testing::loadWith<NodeConfig>(
      dir, "server.yaml", files["/etc/drover/server.yaml"]["content"].as<std::string>(), {});
  EXPECT_EQ(c.bus.brokerSubscribe, "tcp://broker.example.internal:7302");
  EXPECT_TRUE(c.securityEnabled);
  EXPECT_EQ(c.caFile, "/etc/drover/ssl/ca.pem");
  EXPECT_EQ(c.provisioningTokenFile, "/etc/drover/provisioning.token");
  // droverd does not start without the CA certificate and its CRL; the facts pick the master.
  EXPECT_TRUE(files.count(c.caFile.string()));
  EXPECT_TRUE(files.count(c.crlFile.string()));
  EXPECT_TRUE(files.count(c.factsFile.string()));
}

TEST(CloudInitExample, TheTokenIsAFileOfItsOwnAndNeverOnACommandLine) {
  YAML::Node userData = YAML::LoadFile(kUserData.string());
  auto files = filesOf(userData);
  ASSERT_TRUE(files.count("/etc/drover/provisioning.token"));
  EXPECT_EQ(files["/etc/drover/provisioning.token"]["permissions"].as<std::string>(), "0600");
  std::string token = files["/etc/drover/provisioning.token"]["content"].as<std::string>();
  std::string commands = YAML::Dump(userData["runcmd"]);
  EXPECT_EQ(commands.find(token.substr(7, 10)), std::string::npos) << commands;
  EXPECT_EQ(commands.find("token"), std::string::npos) << commands;
  // droverd starts without waiting for its broker: first boot goes on.
  EXPECT_NE(commands.find("--no-block"), std::string::npos) << commands;
}

}  // namespace
}  // namespace drover::node
