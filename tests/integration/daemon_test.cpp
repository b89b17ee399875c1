// droverd's own life cycle: a bad config file stops it with a message naming the
// file, line and key; a broken external agent is skipped, not fatal; SIGTERM ends it
// cleanly.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/subprocess.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

Result runDroverd(const std::vector<std::string>& args) {
  std::vector<std::string> argv{drover::testing::binary("droverd").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = util::runProcess(argv, "", 10s);
  return {run.exitCode, run.out, run.err};
}

TEST(DaemonConfig, BadConfigFileExitsTwoNamingFileLineAndKey) {
  drover::testing::TempDir dir;
  std::filesystem::path config = dir / "server.yaml";
  std::ofstream(config) << "identity: misconfigured\n"
                           "workres: 8\n"
                           "registration_interval: soon\n";
  Result result = runDroverd({"--config", config.string()});
  EXPECT_EQ(result.exitCode, 2) << result;
  EXPECT_THAT(result.err, HasSubstr(config.string() + ":2:1")) << result;
  EXPECT_THAT(result.err, HasSubstr("unknown key 'workres'")) << result;
  EXPECT_THAT(result.err, ContainsRegex(config.string() + ":3:[0-9]+: key 'registration_interval'"))
      << result;
}

TEST(DaemonConfig, WrongTypeAloneIsReportedToo) {
  drover::testing::TempDir dir;
  std::filesystem::path config = dir / "server.yaml";
  std::ofstream(config) << "identity: misconfigured\n"
                           "collectives: drover\n"
                           "workers:\n  - 4\n";
  Result result = runDroverd({"--config", config.string()});
  EXPECT_EQ(result.exitCode, 2) << result;
  EXPECT_THAT(result.err, ContainsRegex(config.string() + ":4:[0-9]+: key 'workers'")) << result;
}

TEST(DaemonConfig, BadFlagValueExitsTwo) {
  Result result = runDroverd({"--workers", "0", "--identity", "x"});
  EXPECT_EQ(result.exitCode, 2) << result;
  EXPECT_THAT(result.err, HasSubstr("workers")) << result;
}

class DaemonLifecycle : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet({}); }
};

TEST_F(DaemonLifecycle, SkipsAnExternalAgentWithAMalformedDdlAndStopsOnSigterm) {
  NodeSpec spec;
  spec.identity = "tolerant";
  spec.facts = "region: eu-west-1\n";
  spec.echo = true;
  spec.agentFiles = {{"broken.json", "{\"metadata\": {\"name\": \"broken\", "},
                     {"broken", "#!/bin/sh\necho '{}'\n"}};
  Node& node = fleet().addNode(spec);

  // The pid file comes just before the "ready" log line.
  drover::testing::waitFor([&] { return node.log().find(" ready in ") != std::string::npos; }, 5s);
  std::string log = node.log();
  std::string ddl = (node.agentsDir() / "broken.json").string();
  EXPECT_THAT(log, ContainsRegex("skip[^\n]*" + ddl)) << log;
  EXPECT_THAT(
      log,
      ContainsRegex("ready in [0-9]+ ms:[^\n]*agents=cluster,echo,naming,provision,puppet,rpcutil"))
      << log;

  Result echo = fleet().drover({"rpc", "echo", "echo", "message=fine", "-I", "tolerant"});
  EXPECT_EQ(echo.exitCode, 0) << echo;
  Result broken = fleet().drover({"find", "-A", "broken"});
  EXPECT_EQ(broken.exitCode, 4) << broken;

  EXPECT_EQ(node.stop(), 0) << node.log();
  EXPECT_FALSE(std::filesystem::exists(node.pidFile())) << "pid file left behind";
}

}  // namespace
}  // namespace drover::integration
