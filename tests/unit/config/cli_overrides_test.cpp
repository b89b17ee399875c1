// The flag overlay: same checks as the file, errors name the flag, flags win.
#include <gtest/gtest.h>

#include "core/config/loader.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

using testing::errorOf;
using testing::parseArgs;
using testing::Sample;
using testing::ScratchDir;

class ConfigCli : public ::testing::Test {
 protected:
  // Parses `args` with the sample's flags, then loads the file they point at (if any).
  Sample load(std::vector<std::string> args) {
    CLI::App app;
    CliOverrides cli(Sample::table(), dir_.path() / "default.yaml");
    cli.addFlags(app);
    parseArgs(app, std::move(args));
    return config::load(Sample::table(), cli.configFile(), cli);
  }
  std::string errorLoading(std::vector<std::string> args) {
    return errorOf([&] { load(std::move(args)); });
  }

  ScratchDir dir_;
};

TEST_F(ConfigCli, FlagsWinOverTheFile) {
  auto file = dir_.write("sample.yaml", "count: 5\nname: fromfile\n").string();
  Sample s = load({"--config", file, "--count", "7"});
  EXPECT_EQ(s.count, 7);
  EXPECT_EQ(s.name, "fromfile");
}

TEST_F(ConfigCli, EveryTypeHasAFlag) {
  Sample s = load({"--name", "n1", "--ratio", "0.1", "--quiet", "20", "--ttl", "5", "--dir",
                   "/tmp/x", "--outer-inner", "deep2", "--endpoints", "tcp://a:1,ipc:///b",
                   "--endpoints", "inproc://c"});
  EXPECT_EQ(s.name, "n1");
  EXPECT_DOUBLE_EQ(s.ratio, 0.1);
  EXPECT_EQ(s.quiet, std::chrono::milliseconds(20));
  EXPECT_EQ(s.ttl, std::chrono::seconds(5));
  EXPECT_EQ(s.dir, "/tmp/x");
  EXPECT_EQ(s.outerInner, "deep2");
  EXPECT_EQ(s.endpoints, (std::vector<std::string>{"tcp://a:1", "ipc:///b", "inproc://c"}));
}

TEST_F(ConfigCli, BareBoolFlagMeansTrue) {
  EXPECT_TRUE(load({"--verbose"}).verbose);
  auto file = dir_.write("sample.yaml", "verbose: true\n").string();
  EXPECT_FALSE(load({"-c", file, "--verbose=false"}).verbose);
}

TEST_F(ConfigCli, EmptyListFlagClearsTheList) {
  EXPECT_TRUE(load({"--endpoints", ""}).endpoints.empty());
}

TEST_F(ConfigCli, ListFlagTakesOneValuePerUse) {
  // What follows a list flag belongs to the command (drover rpc's key=value inputs).
  CLI::App app;
  CliOverrides cli(Sample::table());
  cli.addFlags(app);
  app.allow_extras();
  parseArgs(app,
            {"--endpoints", "tcp://a:1,ipc:///b", "noop=true", "--endpoints", "inproc://c", "x"});
  EXPECT_EQ(app.remaining(), (std::vector<std::string>{"noop=true", "x"}));
  Sample s = config::load(Sample::table(), cli.configFile(), cli);
  EXPECT_EQ(s.endpoints, (std::vector<std::string>{"tcp://a:1", "ipc:///b", "inproc://c"}));
}

TEST_F(ConfigCli, BadFlagValueNamesTheFlag) {
  EXPECT_EQ(errorLoading({"--count", "x"}),
            "--count: expected an integer between 1 and 256, got 'x'");
  EXPECT_EQ(errorLoading({"--verbose=maybe"}), "--verbose: expected true or false, got 'maybe'");
  EXPECT_EQ(errorLoading({"--endpoints", "tcp://a:1,bogus"}),
            "--endpoints: expected an endpoint such as tcp://HOST:PORT, ipc://PATH or "
            "inproc://NAME, got 'bogus'");
}

TEST_F(ConfigCli, FileAndFlagProblemsComeTogether) {
  auto file = dir_.write("sample.yaml", "count: many\n").string();
  EXPECT_EQ(errorLoading({"--config", file, "--ttl", "-5"}),
            file +
                ":1:8: key 'count': expected an integer between 1 and 256, got 'many'\n"
                "--ttl: expected a whole number of seconds between 0 and 86400, got '-5'");
}

TEST_F(ConfigCli, ConfigFileChoice) {
  CLI::App app;
  CliOverrides cli(Sample::table(), dir_.path() / "default.yaml");
  cli.addFlags(app);
  parseArgs(app, {});
  EXPECT_EQ(cli.configFile(), "") << "a missing default file means no file";
  dir_.write("default.yaml", "count: 9\n");
  EXPECT_EQ(cli.configFile(), dir_.path() / "default.yaml");
  EXPECT_EQ(config::load(Sample::table(), cli.configFile(), cli).count, 9);

  CLI::App other;
  CliOverrides explicitCli(Sample::table(), dir_.path() / "default.yaml");
  explicitCli.addFlags(other);
  parseArgs(other, {"--config", "/nonexistent/given.yaml"});
  EXPECT_EQ(explicitCli.configFile(), "/nonexistent/given.yaml");
  EXPECT_EQ(errorOf([&] { config::load(Sample::table(), explicitCli.configFile(), explicitCli); }),
            "cannot read /nonexistent/given.yaml: No such file or directory");
}

TEST_F(ConfigCli, HelpListsDescriptionsAndDefaults) {
  CLI::App app;
  CliOverrides cli(Sample::table());
  cli.addFlags(app);
  std::string help = app.help();
  EXPECT_NE(help.find("--count INT"), std::string::npos) << help;
  EXPECT_NE(help.find("How many [default: 4]"), std::string::npos) << help;
  EXPECT_NE(help.find("--quiet MS"), std::string::npos) << help;
  EXPECT_NE(help.find("--outer-inner TEXT"), std::string::npos) << help;
  EXPECT_NE(help.find("-c,--config FILE"), std::string::npos) << help;
}

}  // namespace
}  // namespace drover::config
