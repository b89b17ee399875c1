// combine(): the CLI's -F -C -A -I -S flags turned into one expression.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/filter/filter.hpp"
#include "tests/unit/filter/test_node.hpp"

namespace drover::filter::test {
namespace {

using Values = std::vector<std::string>;

std::string facts(const Values& values) { return combine(values, {}, {}, {}, {}); }
std::string classes(const Values& values) { return combine({}, values, {}, {}, {}); }
std::string agents(const Values& values) { return combine({}, {}, values, {}, {}); }
std::string identities(const Values& values) { return combine({}, {}, {}, values, {}); }
std::string compound(const Values& values) { return combine({}, {}, {}, {}, values); }

TEST(FilterCombine, NoFlagsGiveTheEmptyFilter) {
  EXPECT_EQ(combine({}, {}, {}, {}, {}), "");
  EXPECT_EQ(compound({"  "}), "");
}

TEST(FilterCombine, FactFlagsAreAndedComparisons) {
  EXPECT_EQ(facts({"region=eu-west-1", "cpus>=4"}), "region == eu-west-1 and cpus >= 4");
  EXPECT_EQ(facts({"os.family =~ /^deb/"}), "os.family =~ /^deb/");
}

TEST(FilterCombine, FactValuesWithSpacesSurvive) {
  const auto text = facts({"motd='hello world'"});
  EXPECT_EQ(text, "motd == \"hello world\"");
  TestNode node;
  node.facts = {{"motd", "hello world"}};
  EXPECT_TRUE(matches(text, node));
}

TEST(FilterCombine, ClassFlagsAreExactOrRegex) {
  EXPECT_EQ(classes({"role::web", "/^profile::/"}), "class(role::web) and class(/^profile::/)");
}

TEST(FilterCombine, AgentFlagsAreExactOrRegex) {
  EXPECT_EQ(agents({"puppet", "/^rpc/"}), "agent(puppet) and agent(/^rpc/)");
  TestNode node;
  node.agents = {"puppetca"};
  EXPECT_FALSE(matches(agents({"puppet"}), node));
}

TEST(FilterCombine, IdentityFlagsMatchExactlyOrByRegex) {
  TestNode node;
  node.identity = "web-1.example.com";
  EXPECT_EQ(identities({"web-1.example.com"}), "identity(web-1.example.com)");
  EXPECT_TRUE(matches(identities({"web-1.example.com"}), node));
  EXPECT_FALSE(matches(identities({"web-1"}), node));  // exact, not a prefix
  EXPECT_TRUE(matches(identities({"/^web-\\d\\./"}), node));
  node.identity = "odd (name)";
  EXPECT_EQ(identities({"odd (name)"}), "identity(\"odd (name)\")");
  EXPECT_TRUE(matches(identities({"odd (name)"}), node));
}

TEST(FilterCombine, SeveralIdentitiesNameASetOfNodes) {
  TestNode node;
  node.identity = "db1";
  std::string both = identities({"web1", "db1"});
  EXPECT_EQ(both, "identity(web1) or identity(db1)");
  EXPECT_TRUE(matches(both, node));
  node.identity = "cache1";
  EXPECT_FALSE(matches(both, node));
  node.identity = "web1";
  node.facts = {{"region", "eu"}};
  EXPECT_TRUE(matches(combine({"region=eu"}, {}, {}, {"web1", "db1"}, {}), node));
  node.facts = {{"region", "us"}};
  EXPECT_FALSE(matches(combine({"region=eu"}, {}, {}, {"web1", "db1"}, {}), node));
}

TEST(FilterCombine, RegexFlagsKeepSlashesInside) {
  TestNode node;
  node.classes = {"a/b"};
  EXPECT_EQ(classes({"/^a/b$/"}), "class(/^a\\/b$/)");
  EXPECT_TRUE(matches(classes({"/^a/b$/"}), node));
}

TEST(FilterCombine, CompoundFlagsKeepTheirGrouping) {
  EXPECT_EQ(combine({"region=eu"}, {}, {}, {}, {"role=web or role=db"}),
            "region == eu and (role == web or role == db)");
  EXPECT_EQ(compound({"a=1 and b=2", "c=3"}), "a == 1 and b == 2 and c == 3");
}

TEST(FilterCombine, AllFlagsTogetherSelectTheRightNode) {
  const auto text = combine({"region=eu-west-1", "cpus>=4"}, {"role::web"}, {"puppet"}, {"/^web/"},
                            {"not maintenance=true"});
  TestNode node;
  node.facts = {{"region", "eu-west-1"}, {"cpus", 8}};
  node.classes = {"role::web"};
  node.agents = {"puppet"};
  node.identity = "web3";
  EXPECT_TRUE(matches(text, node));
  node.facts["cpus"] = 2;
  EXPECT_FALSE(matches(text, node));
  node.facts["cpus"] = 8;
  node.identity = "db3";
  EXPECT_FALSE(matches(text, node));
}

TEST(FilterCombine, FactFlagErrorsNameTheFlag) {
  const auto noOperator = errorOf([] { facts({"region"}); });
  EXPECT_EQ(noOperator.rfind("-F 'region' at column 7: expected an operator", 0), 0u) << noOperator;
  const auto compoundInF = errorOf([] { facts({"a=1 and b=2"}); });
  EXPECT_NE(compoundInF.find("-F 'a=1 and b=2' at column 5"), std::string::npos) << compoundInF;
  EXPECT_NE(compoundInF.find("one fact comparison"), std::string::npos) << compoundInF;
  EXPECT_NE(errorOf([] { facts({"role::web"}); }).find("-F 'role::web'"), std::string::npos);
  EXPECT_NE(errorOf([] { facts({"os!=/deb/"}); }).find("needs the '=~' operator"),
            std::string::npos);
}

TEST(FilterCombine, NameFlagErrorsNameTheFlag) {
  EXPECT_NE(errorOf([] { identities({"/(/"}); }).find("-I '/(/' at column 2: invalid regex"),
            std::string::npos);
  EXPECT_NE(errorOf([] { classes({""}); }).find("-C '': expected a name"), std::string::npos);
  EXPECT_NE(errorOf([] { agents({"/[/"}); }).find("-A '/[/'"), std::string::npos);
}

TEST(FilterCombine, CompoundFlagErrorsNameTheFlag) {
  const auto message = errorOf([] { compound({"a=1 and"}); });
  EXPECT_NE(message.find("-S 'a=1 and' at column 8: expected an expression after 'and'"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace drover::filter::test
