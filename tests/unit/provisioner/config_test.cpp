// provisioner.yaml: loads, checks, and the committed etc/provisioner.yaml is current
// (regenerate with DROVER_UPDATE_EXAMPLES=1 and this test).
#include <fstream>

#include <gtest/gtest.h>

#include "core/config/loader.hpp"
#include "provisioner/provisioner_config.hpp"
#include "testing/process.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::provisioner {
namespace {

std::string errorOf(const std::string& yaml) {
  try {
    config::loadText(ProvisionerConfig::table(), yaml, "p.yaml");
  } catch (const config::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProvisionerConfig, LoadsEveryKind) {
  auto c = config::loadText(
      ProvisionerConfig::table(),
      "identity: a.provisioner\nconcurrency: 20\nper_master_concurrency: 5\n"
      "master_facts: [zone, region]\nlease: 60\nmetrics:\n  listen: 127.0.0.1:9999\n"
      "state_db: /tmp/x.db\n",
      "p.yaml");
  EXPECT_EQ(c.identity, "a.provisioner");
  EXPECT_EQ(c.concurrency, 20);
  EXPECT_EQ(c.masterFacts, (std::vector<std::string>{"zone", "region"}));
  EXPECT_EQ(c.lease, std::chrono::seconds(60));
  EXPECT_EQ(c.metricsListen, "127.0.0.1:9999");
}

TEST(ProvisionerConfig, ErrorsNameFileLineAndKey) {
  EXPECT_NE(errorOf("concurency: 3\n").find("p.yaml:1:1: unknown key 'concurency'"),
            std::string::npos)
      << errorOf("concurency: 3\n");
  EXPECT_NE(errorOf("metrics: {listen: \"0.0.0.0:\"}\n").find("p.yaml:1:19: key 'metrics.listen'"),
            std::string::npos)
      << errorOf("metrics: {listen: \"0.0.0.0:\"}\n");
  EXPECT_NE(errorOf("concurrency: 2\nper_master_concurrency: 3\n")
                .find("p.yaml:2:1: key 'per_master_concurrency': is 3, more than concurrency (2)"),
            std::string::npos)
      << errorOf("concurrency: 2\nper_master_concurrency: 3\n");
  EXPECT_NE(errorOf("master_facts: [\"a b\"]\n").find("key 'master_facts'"), std::string::npos);
  EXPECT_EQ(errorOf("metrics: {listen: \"[::1]:9310\"}\n"), "");
  EXPECT_EQ(errorOf("metrics: {listen: \"\"}\n"), "");
}

// The page and metrics show every node: beyond loopback only behind a login.
TEST(ProvisionerConfig, AListenerBeyondLoopbackNeedsThePagesLogin) {
  std::string open = errorOf("metrics: {listen: 0.0.0.0:9310}\n");
  EXPECT_NE(open.find("key 'metrics.listen': is 0.0.0.0:9310, beyond loopback, but "
                      "page.auth_file is empty"),
            std::string::npos)
      << open;
  EXPECT_NE(errorOf("metrics: {listen: \"[2001:db8::1]:9310\"}\n").find("page.auth_file is empty"),
            std::string::npos);
  auto c =
      config::loadText(ProvisionerConfig::table(),
                       "metrics: {listen: 0.0.0.0:9310}\npage:\n  auth_file: /etc/drover/users\n"
                       "  max_viewers: 3\n  enabled: false\n",
                       "p.yaml");
  EXPECT_EQ(c.metricsListen, "0.0.0.0:9310");
  EXPECT_EQ(c.pageAuthFile, "/etc/drover/users");
  EXPECT_EQ(c.pageMaxViewers, 3);
  EXPECT_FALSE(c.pageEnabled);
  EXPECT_EQ(errorOf("metrics: {listen: localhost:9310}\n"), "");
  EXPECT_NE(errorOf("page: {max_viewers: 0}\n").find("key 'page.max_viewers'"), std::string::npos);
  EXPECT_NE(errorOf("page: {max_viewers: 65}\n").find("key 'page.max_viewers'"), std::string::npos);
  EXPECT_TRUE(ProvisionerConfig{}.pageEnabled);
  EXPECT_TRUE(isLoopbackListen(ProvisionerConfig{}.metricsListen));
}

// The notifiers: section is notify's; the other keys keep their lines in messages.
TEST(ProvisionerConfig, ANotifiersSectionIsLeftToTheNotifiers) {
  testing::TempDir dir;
  std::filesystem::path file = dir / "provisioner.yaml";
  std::ofstream(file) << "concurrency: 4\nnotifiers:\n  hook:\n    type: webhook\n"
                         "    url: http://127.0.0.1:1/x\n# after\nper_master_concurrency: 2\n";
  auto c = ProvisionerConfig::load(file);
  EXPECT_EQ(c.concurrency, 4);
  EXPECT_EQ(c.perMasterConcurrency, 2);
  EXPECT_EQ(c.notifiersFile, file);
  std::ofstream(file) << "notifiers:\n  hook: {type: log}\nconcurency: 4\n";
  try {
    ProvisionerConfig::load(file);
    ADD_FAILURE() << "loaded a misspelled key";
  } catch (const config::Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + ":3:1: unknown key 'concurency'"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(file) << "concurrency: 40\n";
  EXPECT_TRUE(ProvisionerConfig::load(file).notifiersFile.empty());
}

TEST(ProvisionerConfig, EnrolmentNeedsBothKeysAndSecurity) {
  EXPECT_NE(errorOf("enrolment: {ca_dir: /ca}\n").find("enrolment.token_files"), std::string::npos);
  EXPECT_NE(errorOf("enrolment: {token_files: [/t], ca_dir: /ca}\nsecurity: {enabled: false}\n")
                .find("needs message security on"),
            std::string::npos);
  EXPECT_EQ(errorOf("enrolment: {token_files: [/t], ca_dir: /ca}\n"), "");
}

TEST(ProvisionerConfig, CommittedExampleIsCurrent) {
  config::testing::expectCommittedExample<ProvisionerConfig>("provisioner.yaml",
                                                             "ProvisionerConfig");
}

TEST(ProvisionerConfig, ExampleLoadsBackToTheDefaults) {
  config::testing::expectExampleLoadsAsDefaults<ProvisionerConfig>();
}

}  // namespace
}  // namespace drover::provisioner
