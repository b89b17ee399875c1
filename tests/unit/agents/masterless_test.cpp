// provision#set_node_data and provision#apply (agents/provision/masterless.hpp): their DDL
// inputs, the node data file, the Hiera layering, and the `puppet apply` command line,
// against a stand-in puppet program (the real one runs in
// tests/integration/provisioner/masterless_test.cpp).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agents/provision/masterless.hpp"
#include "agents/provision/provision_agent.hpp"
#include "agents/puppet/puppet_runner.hpp"
#include "core/ddl/loader.hpp"
#include "core/ddl/validator.hpp"
#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::agents::provision {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class MasterlessTest : public ::testing::Test {
 protected:
  MasterlessTest()
      : ddl_(ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl/provision.json")),
        agent_(ddl_, settings(), [] { return std::int64_t{1'700'000'000'000}; }) {}

  // A node whose confdir is <root>/etc/puppet and whose `puppet` is a script: `config
  // print` answers the settings, anything else records its argv and exits kExit.
  ProvisionSettings settings() {
    const fs::path root = root_.path();
    fs::create_directories(root / "etc/puppet/code/environments/production/manifests");
    fs::create_directories(root / "bin");
    const std::string script =
        "#!/bin/sh\n"
        "if [ \"$1\" = config ]; then\n"
        "  echo 'lastrunfile = " +
        (root / "summary.yaml").string() +
        "'\n"
        "  echo 'lastrunreport = " +
        (root / "report.yaml").string() +
        "'\n"
        "  echo 'agent_disabled_lockfile = " +
        (root / "disabled.lock").string() +
        "'\n"
        "  echo 'agent_catalog_run_lockfile = " +
        (root / "run.lock").string() +
        "'\n"
        "  echo 'ssldir = " +
        (root / "ssl").string() +
        "'\n"
        "  echo 'certname = n1.example'\n"
        "  echo 'confdir = " +
        (root / "etc/puppet").string() +
        "'\n"
        "  echo 'environmentpath = " +
        (root / "nowhere").string() + ":" + (root / "etc/puppet/code/environments").string() +
        "'\n"
        "  exit 0\n"
        "fi\n"
        "for arg in \"$@\"; do echo \"$arg\"; done > " +
        (root / "argv.txt").string() +
        "\n"
        "exit 2\n";
    root_.write("bin/puppet", script);
    fs::permissions(root / "bin/puppet", fs::perms::owner_all);
    ProvisionSettings s;
    s.root = root;
    s.puppet.program = (root / "bin/puppet").string();
    s.puppet.confdir = root / "etc/puppet";
    s.identity = "n1.example";
    return s;
  }

  Reply call(const std::string& action, Json args) {
    Request request;
    request.action = action;
    request.args = std::move(args);
    request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    return agent_.handle(request);
  }

  // The DDL's verdict on `args`: the messages of every violation, joined.
  std::string violations(const std::string& action, Json args) {
    std::string out;
    for (const auto& v : ddl::validate(*ddl_.findAction(action), args)) out += v.message + "\n";
    return out;
  }

  testing::TempDir root_;
  ddl::Ddl ddl_;
  ProvisionAgent agent_;
};

TEST_F(MasterlessTest, TheDdlTakesAHashOfDataAndAStrictManifestPath) {
  EXPECT_EQ(violations("set_node_data", {{"data", {{"profile::motd::text", "hi"}}}}), "");
  EXPECT_NE(violations("set_node_data", {{"data", "text"}}).find("must be hash"),
            std::string::npos);
  EXPECT_NE(violations("set_node_data", Json::object()).find("'data' fails validation 'required'"),
            std::string::npos);

  Json defaults{{"environment", "production"}};
  EXPECT_TRUE(ddl::validate(*ddl_.findAction("apply"), defaults).empty());
  ddl::applyDefaults(*ddl_.findAction("apply"), defaults);
  EXPECT_EQ(defaults["manifest"], "manifests");  // the DDL default
  EXPECT_EQ(violations("apply", {{"environment", "production"}, {"manifest", "manifests/site.pp"}}),
            "");
  for (const char* bad : {"../../etc/shadow", "/etc/puppet/site.pp", "manifests/../x", ".hidden",
                          "manifests//site.pp", "site.pp;rm", "a b"}) {
    EXPECT_NE(violations("apply", {{"environment", "production"}, {"manifest", bad}}), "") << bad;
    EXPECT_TRUE(manifestProblem(bad).has_value()) << bad;
  }
  EXPECT_NE(violations("apply", {{"environment", "Prod-1"}}), "");
  EXPECT_TRUE(environmentProblem("Prod-1").has_value());
  EXPECT_TRUE(environmentProblem("../x").has_value());
  EXPECT_FALSE(environmentProblem("bootstrap_2").has_value());
}

TEST_F(MasterlessTest, SetNodeDataWritesTheFileOnceAndIsIdempotent) {
  Json data{{"profile::motd::text", "hello"}, {"ntp::servers", {"a", "b"}}};
  Reply first = call("set_node_data", {{"data", data}});
  ASSERT_EQ(first.status.code, StatusCode::Ok) << first.status.message;
  const fs::path file = root_ / "etc/puppet/data/drover-node.json";
  EXPECT_EQ(first.data["file"], file.string());
  EXPECT_EQ(first.data["changed"], true);
  EXPECT_EQ(first.data["keys"], 2);
  EXPECT_EQ(Json::parse(util::readFile(file)), data);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  Reply again = call("set_node_data", {{"data", data}});
  EXPECT_EQ(again.data["changed"], false);
  Reply other = call("set_node_data", {{"data", {{"profile::motd::text", "bye"}}}});
  EXPECT_EQ(other.data["changed"], true);
  EXPECT_EQ(Json::parse(util::readFile(file))["profile::motd::text"], "bye");

  Reply status = call("status", Json::object());
  EXPECT_EQ(status.data["steps"]["set_node_data"]["file"], file.string());
}

TEST_F(MasterlessTest, SetNodeDataRefusesNonHashesAndOversizedData) {
  Reply list = call("set_node_data", {{"data", Json::array({1, 2})}});
  EXPECT_EQ(list.status.code, StatusCode::InvalidData);
  EXPECT_NE(list.status.message.find("must be a hash"), std::string::npos) << list.status.message;

  Reply big = call("set_node_data", {{"data", {{"blob", std::string(kMaxNodeDataBytes, 'x')}}}});
  EXPECT_EQ(big.status.code, StatusCode::InvalidData);
  EXPECT_NE(big.status.message.find("at most 262144"), std::string::npos) << big.status.message;
  EXPECT_FALSE(fs::exists(root_ / "etc/puppet/data/drover-node.json"));
}

TEST_F(MasterlessTest, TheHieraConfigPutsNodeDataBeforeTheImageDefaults) {
  MasterlessPaths paths = masterlessPaths(fs::path("/srv/n1/etc/puppet"));
  EXPECT_EQ(paths.nodeData, "/srv/n1/etc/puppet/data/drover-node.json");
  EXPECT_EQ(paths.imageDefaults, "/srv/n1/etc/puppet/data/common.yaml");
  EXPECT_EQ(paths.hieraConfig, "/srv/n1/etc/puppet/drover-hiera.yaml");
  std::string text = hieraConfigText(paths);
  EXPECT_NE(text.find("version: 5"), std::string::npos);
  auto node = text.find("path: \"drover-node.json\"");
  auto image = text.find("path: \"common.yaml\"");
  ASSERT_NE(node, std::string::npos) << text;
  ASSERT_NE(image, std::string::npos) << text;
  EXPECT_LT(node, image);
  EXPECT_NE(text.find("datadir: \"/srv/n1/etc/puppet/data\""), std::string::npos) << text;
}

TEST_F(MasterlessTest, EnvironmentsAreFoundInTheEnvironmentPathInOrder) {
  fs::create_directories(root_ / "a/production");
  fs::create_directories(root_ / "b/production");
  fs::create_directories(root_ / "b/bootstrap");
  std::string path = (root_ / "a").string() + ":" + (root_ / "b").string();
  EXPECT_EQ(findEnvironment(path, "production"), root_ / "a/production");
  EXPECT_EQ(findEnvironment(path, "bootstrap"), root_ / "b/bootstrap");
  EXPECT_FALSE(findEnvironment(path, "testing").has_value());
}

TEST_F(MasterlessTest, ApplyRunsPuppetApplyWithTheLayeredHieraConfig) {
  Reply reply = call("apply", {{"environment", "production"}, {"manifest", "manifests"}});
  // The stand-in exits 2 (changes) and writes no summary: a successful run all the same.
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["outcome"], "changes");
  EXPECT_EQ(reply.data["exitcode"], 2);
  const fs::path confdir = root_ / "etc/puppet";
  const fs::path manifest = confdir / "code/environments/production/manifests";
  EXPECT_EQ(reply.data["manifest"], manifest.string());
  EXPECT_EQ(
      lines(util::readFile(root_ / "argv.txt")),
      (std::vector<std::string>{"apply", "--confdir", confdir.string(), "--detailed-exitcodes",
                                "--color=false", "--environment", "production", "--hiera_config",
                                (confdir / "drover-hiera.yaml").string(), manifest.string()}));
  EXPECT_EQ(util::readFile(confdir / "drover-hiera.yaml"),
            hieraConfigText(masterlessPaths(confdir)));
  Reply status = call("status", Json::object());
  EXPECT_EQ(status.data["steps"]["apply:production"]["outcome"], "changes");
}

TEST_F(MasterlessTest, ApplyOfAMissingEnvironmentOrManifestFailsWithoutRunning) {
  Reply env = call("apply", {{"environment", "staging"}, {"manifest", "manifests"}});
  EXPECT_EQ(env.status.code, StatusCode::Aborted);
  EXPECT_EQ(env.data["outcome"], "failed");
  EXPECT_NE(env.data["summary"].get<std::string>().find("no environment 'staging'"),
            std::string::npos)
      << env.data.dump();
  Reply file = call("apply", {{"environment", "production"}, {"manifest", "manifests/site.pp"}});
  EXPECT_EQ(file.data["outcome"], "failed");
  EXPECT_NE(file.data["summary"].get<std::string>().find("site.pp does not exist"),
            std::string::npos)
      << file.data.dump();
  EXPECT_FALSE(fs::exists(root_ / "argv.txt"));
  Reply status = call("status", Json::object());
  EXPECT_FALSE(status.data["steps"].contains("apply:staging"));

  Reply bad = call("apply", {{"environment", "production"}, {"manifest", "../../../etc"}});
  EXPECT_EQ(bad.status.code, StatusCode::InvalidData);
  EXPECT_NE(bad.status.message.find("input 'manifest'"), std::string::npos) << bad.status.message;
}

TEST(ApplyArgs, DetailedExitCodesEnvironmentHieraConfigThenTheManifest) {
  puppet::ApplyOptions options{"production", "/env/manifests", "/c/drover-hiera.yaml", true};
  EXPECT_EQ(puppet::applyArgs(options),
            (std::vector<std::string>{"--detailed-exitcodes", "--color=false", "--environment",
                                      "production", "--hiera_config", "/c/drover-hiera.yaml",
                                      "--noop", "/env/manifests"}));
}

}  // namespace
}  // namespace drover::agents::provision
