// The filter flags of the real `drover` binary: each of -F, -C, -A, -I and -S takes one
// value per use, so a key=value after one is an argument of the command; what cannot be
// meant (a key=value as an identity, an action's input as a fact filter, cpus>=010, a
// fact!=/re/) is refused with exit 2 before anything is sent. The client
// config points at a broker nobody listens on: a run that got past its checks would
// exit 3 (broker unreachable), so exit 2 with the message shows where it stopped.
// tests/integration/filter_flags_test.cpp runs the same flags against real nodes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using util::SubprocessResult;
using Args = std::vector<std::string>;

constexpr int kExitUsage = 2;  // cli/context.hpp

// One value for each filter flag, in the short and a long spelling.
const std::vector<Args> kFilterFlags = {
    {"-I", "web1"},     {"-F", "role=web"},          {"-C", "role::web"},  {"-A", "echo"},
    {"-S", "role=web"}, {"--with-identity", "web1"}, {"--wf", "role=web"}, {"--select", "role=web"},
};

class FilterFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source(DROVER_SOURCE_DIR);
    util::writeFileAtomically(
        config(), "broker:\n  publish: tcp://127.0.0.1:" + std::to_string(testing::freePort()) +
                      "\n  subscribe: tcp://127.0.0.1:" + std::to_string(testing::freePort()) +
                      "\nsecurity:\n  enabled: false\nddl_dirs:\n  - " + (source / "ddl").string() +
                      "\n  - " + (source / "agents" / "examples").string() + "\n");
  }

  fs::path config() const { return dir_ / "client.yaml"; }

  SubprocessResult drover(const Args& args, const std::string& stdinText = "") const {
    Args argv = {fs::path(DROVER_BINARY_DIR) / "cli" / "drover", "--config", config()};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::runProcess(argv, stdinText, std::chrono::seconds(60));
  }

  // Runs drover and expects a usage error whose message holds every one of `parts`.
  SubprocessResult expectRefused(const Args& args, const Args& parts,
                                 const std::string& stdinText = "") const {
    SCOPED_TRACE(::testing::PrintToString(args));
    SubprocessResult result = drover(args, stdinText);
    EXPECT_EQ(result.exitCode, kExitUsage) << result.err;
    for (const auto& part : parts)
      EXPECT_NE(result.err.find(part), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
    return result;
  }

  testing::TempDir dir_;
};

Args join(Args head, const Args& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST_F(FilterFlags, KeyValueAfterAFilterFlagIsAnActionInput) {
  // colour is no input of echo#echo: refusing it proves both words reached the action.
  for (const auto& flag : kFilterFlags) {
    const auto args = join(join({"rpc", "echo", "echo"}, flag), {"message=hi", "colour=red"});
    const auto result = expectRefused(args, {"input 'colour' fails validation 'unknown'"});
    EXPECT_EQ(result.err.find("'message' fails validation 'required'"), std::string::npos);
  }
  expectRefused({"rpc", "puppet", "runonce", "-I", "web1", "noop=maybe"},
                {"argument 'noop=maybe': value is not a boolean"});
}

TEST_F(FilterFlags, ListSettingsTakeOneValuePerUseToo) {
  const auto examples = (fs::path(DROVER_SOURCE_DIR) / "agents" / "examples").string();
  expectRefused({"rpc", "echo", "echo", "--ddl-dirs", examples, "message=hi", "colour=red"},
                {"input 'colour' fails validation 'unknown'"});
}

TEST_F(FilterFlags, ASecondValueIsRefusedWhereTheCommandTakesNoArgument) {
  for (const Args& command : {Args{"ping"}, Args{"find"}, Args{"facts", "region"}}) {
    for (const auto& flag : kFilterFlags) {
      expectRefused(join(join(command, flag), {"noop=true"}),
                    {"not expected: noop=true", "repeat the flag"});
    }
  }
  expectRefused({"rpc", "echo", "echo", "-I", "web1", "web2", "message=hi"},
                {"argument 'web2': expected key=value", "-I web1 -I web2"});
}

TEST_F(FilterFlags, KeyValueIsNoIdentityClassOrAgent) {
  for (const char* flag : {"-I", "-C", "-A"}) {
    for (const char* command : {"find", "ping"}) {
      expectRefused({command, flag, "noop=true"}, {std::string(flag) + " 'noop=true' at column 5",
                                                   "cannot contain '='", "-F 'noop=true'"});
    }
  }
  expectRefused({"rpc", "echo", "echo", "message=hi", "-S", "identity(web1=x)"},
                {"-S 'identity(web1=x)' at column 10: identities cannot contain '='"});
}

TEST_F(FilterFlags, NodeNamesElsewhereCannotBeKeyValuesEither) {
  const std::string why = "'noop=true' is no identity (identities cannot contain '='";
  expectRefused({"inventory", "noop=true"}, {"node: " + why});
  expectRefused({"provision", "retry", "noop=true"}, {"NODE: " + why});
  expectRefused({"provision", "status", "--provisioner", "noop=true"}, {"--provisioner: " + why});
  expectRefused({"ping", "--nodes", "-"}, {"--nodes -: line 3: " + why}, "web1\n# db\nnoop=true\n");
  // Without a filter flag a stray word gets no hint about filter flags.
  const auto stray = expectRefused({"find", "extra"}, {"not expected: extra"});
  EXPECT_EQ(stray.err.find("repeat the flag"), std::string::npos) << stray.err;
}

TEST_F(FilterFlags, AnInputOfTheActionIsNoFactFilter) {
  const std::string why = "'noop' is an input of puppet#runonce, not a fact";
  expectRefused({"rpc", "puppet", "runonce", "-F", "noop=true"},
                {"-F 'noop=true' at column 1: " + why, "write noop=true after the action",
                 "write fact(noop)=true"});
  expectRefused({"rpc", "puppet", "runonce", "-S", "role=web and not noop==false"},
                {"at column 18: " + why, "fact(noop)==false"});
  expectRefused({"rpc", "echo", "echo", "-F", "message=~^hi"},
                {"'message' is an input of echo#echo", "fact(message)=~^hi"});
}

TEST_F(FilterFlags, OrderingWithANumberInAnotherNotationIsRefused) {
  expectRefused({"find", "-F", "cpus>=010"},
                {"-F 'cpus>=010' at column 7: '010' is not a plain decimal number",
                 "write cpus>=10 to compare numbers", "cpus>=\"010\" to compare text"});
  expectRefused({"ping", "-S", "role=web and cpus > 0x1F"}, {"'0x1F'", "write cpus>31"});
  expectRefused({"rpc", "echo", "echo", "message=hi", "-F", "mem<1_000"}, {"write mem<1000"});
  expectRefused({"facts", "region", "-F", "load<=.5"}, {"write load<=0.5"});
}

// fact=/re/ is MCollective's regex match; with another operator a /regex/ gets the hint.
TEST_F(FilterFlags, ARegexWithAnotherOperatorThanMcollectivesGetsTheHint) {
  for (const char* filter : {"fact!=/re(x)/", "fact==/a b/", "fact!=/a||b/", "fact==/(a|b)$/"}) {
    const std::string pattern = std::string(filter).substr(6);
    expectRefused({"find", "-F", filter},
                  {"at column 7: the regex '" + pattern + "' needs the '=~' operator"});
    expectRefused({"find", "-S", std::string(filter) + " and role=web"},
                  {"the regex '" + pattern + "' needs the '=~' operator"});
  }
}

}  // namespace
}  // namespace drover
