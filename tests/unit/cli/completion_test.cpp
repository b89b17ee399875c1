// Shell completion: what `drover __complete` offers, walked on the real command tree
// with the built-in DDLs, and the cache of what earlier commands met.
#include "cli/completion.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/commands/commands.hpp"
#include "testing/process.hpp"

namespace drover::cli {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class Completion : public ::testing::Test {
 protected:
  Completion() : cache_(dir_ / "inventory.json") {
    addPing(context_, chosen_);
    addFind(context_, chosen_);
    addRpc(context_, chosen_);
    addFacts(context_, chosen_);
    addInventory(context_, chosen_);
    addPlugin(context_, chosen_);
    addCert(context_, chosen_);
    addProvision(context_, chosen_);
    cache_.addInventory("web-1", Json{{"region", "eu-west-1"}, {"os", {{"family", "Debian"}}}},
                        Json::array({"role::web"}));
    cache_.addInventory("db-1", Json{{"region", "us-east-1"}}, Json::array());
  }

  Completions of(const std::vector<std::string>& words) {
    return complete(context_.app(), context_.ddls(), cache_, words);
  }
  std::vector<std::string> words(const std::vector<std::string>& line) { return of(line).words; }

  testing::TempDir dir_;
  Context context_;
  Command chosen_;
  CompletionCache cache_;
};

TEST_F(Completion, ANewWordIsACommand) {
  EXPECT_THAT(words({""}), AllOf(Contains("ping"), Contains("rpc"), Contains("provision")));
  EXPECT_THAT(words({"in"}), ElementsAre("inventory"));
  EXPECT_THAT(words({"provision", "h"}), ElementsAre("history", "hold"));
}

TEST_F(Completion, RpcCompletesAgentsActionsAndInputsFromTheDdls) {
  EXPECT_THAT(words({"rpc", ""}), AllOf(Contains("rpcutil"), Contains("puppet")));
  EXPECT_THAT(words({"rpc", "rpcutil", "get_f"}), ElementsAre("get_fact", "get_facts"));
  EXPECT_THAT(words({"rpc", "rpcutil", "get_fact", ""}), ElementsAre("fact="));
  EXPECT_THAT(words({"rpc", "-I", "web-1", "rpcutil", "get_fact", "f"}), ElementsAre("fact="));
  EXPECT_THAT(words({"rpc", "nosuchagent", ""}), IsEmpty());
  EXPECT_THAT(words({"plugin", "doc", "rpcu"}), ElementsAre("rpcutil"));
}

TEST_F(Completion, FilterFlagsCompleteFromWhatTheNodesSaid) {
  EXPECT_THAT(words({"find", "-F", ""}), ElementsAre("os.family=", "region="));
  EXPECT_THAT(words({"find", "--with-fact", "region="}),
              ElementsAre("region=eu-west-1", "region=us-east-1"));
  EXPECT_THAT(words({"find", "-C", ""}), ElementsAre("role::web"));
  EXPECT_THAT(words({"find", "-I", "w"}), ElementsAre("web-1"));
  EXPECT_THAT(words({"find", "-A", "pupp"}), ElementsAre("puppet", "puppetca"));
  EXPECT_THAT(words({"find", "--dm", ""}), ElementsAre("broadcast", "nodes", "registry"));
  EXPECT_THAT(words({"inventory", ""}), ElementsAre("db-1", "web-1"));
  EXPECT_THAT(words({"provision", "history", "d"}), ElementsAre("db-1"));
  EXPECT_THAT(words({"facts", "o"}), ElementsAre("os.family"));
}

TEST_F(Completion, FlagsOfTheCommandAndTheGlobalOnesThatFollowIt) {
  EXPECT_THAT(words({"find", "--with-"}),
              ElementsAre("--with-agent", "--with-class", "--with-fact", "--with-identity"));
  EXPECT_THAT(words({"ping", "--time"}), ElementsAre("--timeout"));
  // A flag's value is not taken for a command: after --timeout 5, rpc still completes.
  EXPECT_THAT(words({"--timeout", "5", "rp"}), ElementsAre("rpc"));
  EXPECT_THAT(words({"rpc", "--timeout=5", ""}), Contains("rpcutil"));
}

TEST_F(Completion, AFileIsLeftToTheShell) {
  EXPECT_TRUE(of({"find", "--nodes", ""}).files);
  EXPECT_TRUE(of({"cert", "show", ""}).files);
  EXPECT_FALSE(of({"rpc", ""}).files);
}

TEST(CompletionCacheFile, KeepsWhatWasMetAcrossRunsAndNoControlCharacters) {
  testing::TempDir dir;
  auto path = dir / "sub" / "inventory.json";
  {
    CompletionCache cache(path);
    cache.addIdentities({"web-1", "bad\x1b[31m", std::string(300, 'x')});
    cache.addFactValues("region", {"eu-west-1", "line\nbreak", "two words"});
    cache.save();
  }
  CompletionCache again(path);
  EXPECT_THAT(again.identities(), ElementsAre("web-1"));
  ASSERT_EQ(again.facts().count("region"), 1u);
  EXPECT_THAT(again.facts().at("region"), ElementsAre("eu-west-1"));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  { std::ofstream(path) << "{not json"; }
  CompletionCache broken(path);
  EXPECT_THAT(broken.identities(), IsEmpty());
}

TEST(CompletionCacheFile, IsBounded) {
  testing::TempDir dir;
  CompletionCache cache(dir / "inventory.json");
  std::vector<std::string> many;
  for (std::size_t i = 0; i < CompletionCache::kMaxIdentities + 10; ++i) {
    many.push_back("node-" + std::to_string(i));
  }
  cache.addIdentities(many);
  EXPECT_EQ(cache.identities().size(), CompletionCache::kMaxIdentities);
  std::vector<std::string> values;
  for (std::size_t i = 0; i < CompletionCache::kMaxValuesPerFact + 10; ++i) {
    values.push_back(std::to_string(i));
  }
  cache.addFactValues("n", values);
  EXPECT_EQ(cache.facts().at("n").size(), CompletionCache::kMaxValuesPerFact);
}

}  // namespace
}  // namespace drover::cli
