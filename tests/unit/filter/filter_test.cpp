// What a filter matches: fact typing, lists, nested facts, classes, agents, identity
// and boolean structure (the rules documented in core/filter/filter.hpp).
#include "core/filter/filter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/unit/filter/test_node.hpp"

namespace drover::filter::test {
namespace {

TestNode webNode() {
  TestNode node;
  node.facts = Json::parse(R"({
    "region": "eu-west-1", "role": "web", "cpus": 4, "load": 2.5, "memory_gb": 16.0,
    "virtual": true, "maintenance": false, "port": "80", "kernel": "5.10",
    "hostname": "web12", "motd": "hello world", "zip": "010", "rack": null,
    "os": {"family": "Debian", "release": {"major": 12, "full": "12.5"}},
    "ipaddresses": ["10.0.0.5", "192.168.1.5"], "ports": [22, 80]
  })");
  node.classes = {"role::web", "profile::base"};
  node.agents = {"rpcutil", "puppet"};
  return node;
}

TEST(FilterFacts, EqualityOnStringsIsExactAndCaseSensitive) {
  const auto node = webNode();
  EXPECT_TRUE(matches("region=eu-west-1", node));
  EXPECT_TRUE(matches("region == eu-west-1", node));
  EXPECT_FALSE(matches("region==eu-west", node));
  EXPECT_FALSE(matches("region==EU-WEST-1", node));
  EXPECT_TRUE(matches("region!=us-east-1", node));
  EXPECT_FALSE(matches("region!=eu-west-1", node));
}

TEST(FilterFacts, EveryOperatorComparesNumbersNumerically) {
  const auto node = webNode();  // cpus: 4
  EXPECT_TRUE(matches("cpus==4", node));
  EXPECT_TRUE(matches("cpus==4.0", node));
  EXPECT_TRUE(matches("cpus!=5", node));
  EXPECT_TRUE(matches("cpus<8", node));
  EXPECT_TRUE(matches("cpus>2", node));
  EXPECT_TRUE(matches("cpus<=4", node));
  EXPECT_TRUE(matches("cpus>=4", node));
  EXPECT_FALSE(matches("cpus>4", node));
  EXPECT_FALSE(matches("cpus<4", node));
  EXPECT_TRUE(matches("cpus<10", node));  // numeric: as text "4" > "10"
}

TEST(FilterFacts, FloatsCompareNumericallyAndPrintWithoutTrailingZero) {
  const auto node = webNode();  // load: 2.5, memory_gb: 16.0
  EXPECT_TRUE(matches("load>2", node));
  EXPECT_TRUE(matches("load<3", node));
  EXPECT_TRUE(matches("load==2.50", node));
  EXPECT_TRUE(matches("memory_gb==16", node));
  EXPECT_TRUE(matches("memory_gb=~^16$", node));
  EXPECT_TRUE(matches("load=~^2\\.5$", node));
}

TEST(FilterFacts, NegativeAndLargeIntegersCompareExactly) {
  TestNode node;
  node.facts = {{"temp", -5},
                {"big", 9007199254740993LL},
                {"huge", std::numeric_limits<std::uint64_t>::max()}};
  EXPECT_TRUE(matches("temp<0 and temp>-10 and temp==-5", node));
  EXPECT_TRUE(matches("big==9007199254740993", node));
  EXPECT_FALSE(matches("big==9007199254740992", node));  // a double could not tell these apart
  EXPECT_TRUE(matches("huge>0 and huge>-1 and huge==18446744073709551615", node));
}

TEST(FilterFacts, LeadingZerosHexAndExponentsAreText) {
  const auto node = webNode();  // cpus: 4, zip: "010"
  EXPECT_FALSE(matches("cpus==04", node));
  EXPECT_TRUE(matches("cpus!=04", node));
  EXPECT_FALSE(matches("cpus==0x4", node));
  EXPECT_TRUE(matches("zip==010", node));
  EXPECT_FALSE(matches("zip==10", node));
  EXPECT_FALSE(matches("zip==8", node));  // no octal
}

TEST(FilterFacts, StringFactsKeepTheirTypeInComparisons) {
  const auto node = webNode();                 // port: "80", kernel: "5.10"
  EXPECT_TRUE(matches("port==80", node));      // text "80" equals
  EXPECT_FALSE(matches("port==80.0", node));   // text differs; the fact is a string
  EXPECT_FALSE(matches("kernel>=5.9", node));  // "5.10" sorts before "5.9"
  EXPECT_TRUE(matches("kernel<5.9", node));
}

TEST(FilterFacts, OrderingWithATextSideIsLexicographic) {
  TestNode node;
  node.facts = {{"name", "web10"}, {"cpus", 16}};
  EXPECT_FALSE(matches("name>web9", node));
  EXPECT_TRUE(matches("name<web9", node));
  EXPECT_TRUE(matches("name>=web10 and name<=web10", node));
  EXPECT_TRUE(matches("cpus<2x", node));  // number fact, text value: "16" < "2x"
}

TEST(FilterFacts, BooleansCompareToTrueAndFalse) {
  const auto node = webNode();  // virtual: true, maintenance: false
  EXPECT_TRUE(matches("virtual=true", node));
  EXPECT_TRUE(matches("virtual==TRUE", node));
  EXPECT_TRUE(matches("virtual!=false", node));
  EXPECT_FALSE(matches("virtual==1", node));
  EXPECT_TRUE(matches("maintenance=false", node));
  EXPECT_TRUE(matches("not maintenance=true", node));
  EXPECT_TRUE(matches("virtual=~^t", node));
}

TEST(FilterFacts, TextTrueIsNotABoolean) {
  TestNode node;
  node.facts = {{"flag", "true"}};
  EXPECT_TRUE(matches("flag==true", node));
  EXPECT_FALSE(matches("flag==TRUE", node));  // a string compares case-sensitively
}

TEST(FilterFacts, MissingFactFailsEveryComparisonAndNotOfItHolds) {
  const auto node = webNode();
  for (const char* op : {"==", "=", "!=", "<", ">", "<=", ">=", "=~"}) {
    const std::string comparison = std::string("datacenter") + op + "x";
    EXPECT_FALSE(matches(comparison, node)) << comparison;
    EXPECT_TRUE(matches("not " + comparison, node)) << comparison;
    EXPECT_TRUE(matches("!" + comparison, node)) << comparison;
  }
}

TEST(FilterFacts, NullAndObjectFactsNeverMatch) {
  const auto node = webNode();  // rack: null, os: {...}
  EXPECT_FALSE(matches("rack==null", node));
  EXPECT_FALSE(matches("rack!=a1", node));
  EXPECT_FALSE(matches("rack=~.*", node));
  EXPECT_FALSE(matches("os==Debian", node));
  EXPECT_FALSE(matches("os!=Debian", node));
  EXPECT_FALSE(matches("os>a", node));
  EXPECT_TRUE(matches("not os==Debian", node));
}

TEST(FilterFacts, DottedNamesWalkNestedObjects) {
  const auto node = webNode();
  EXPECT_TRUE(matches("os.family==Debian", node));
  EXPECT_TRUE(matches("os.release.major>=12", node));
  EXPECT_TRUE(matches("os.release.full==12.5", node));
  EXPECT_FALSE(matches("os.family.name==Debian", node));  // walks into a string
  EXPECT_FALSE(matches("os.kernel==Linux", node));
  EXPECT_FALSE(matches("region.name==x", node));
}

TEST(FilterFacts, LiteralDottedKeyWinsOverNesting) {
  TestNode node;
  node.facts = {{"os.family", "literal"}, {"os", {{"family", "nested"}}}};
  EXPECT_TRUE(matches("os.family==literal", node));
  EXPECT_FALSE(matches("os.family==nested", node));
}

TEST(FilterFacts, ListsMatchWhenAnyElementMatches) {
  const auto node = webNode();  // ipaddresses: ["10.0.0.5", "192.168.1.5"], ports: [22, 80]
  EXPECT_TRUE(matches("ipaddresses==192.168.1.5", node));
  EXPECT_FALSE(matches("ipaddresses==10.0.0.6", node));
  EXPECT_TRUE(matches("ipaddresses=~^10\\.", node));
  EXPECT_TRUE(matches("ports==80", node));
  EXPECT_TRUE(matches("ipaddresses!=10.0.0.6", node));   // no element equals it
  EXPECT_FALSE(matches("ipaddresses!=10.0.0.5", node));  // one element equals it
  EXPECT_FALSE(matches("ports>1", node));                // lists have no order
}

TEST(FilterFacts, RegexIsAPartialMatchOnTheTextForm) {
  const auto node = webNode();  // hostname: web12, cpus: 4
  EXPECT_TRUE(matches("hostname=~web", node));
  EXPECT_TRUE(matches("hostname=~/eb1/", node));
  EXPECT_TRUE(matches("hostname=~^web\\d+$", node));
  EXPECT_FALSE(matches("hostname=~^eb", node));
  EXPECT_TRUE(matches("hostname=~\"^WEB\\d\" or hostname=~/(?i)^WEB/", node));
  EXPECT_TRUE(matches("cpus=~^4$", node));
  EXPECT_TRUE(matches("motd =~ /hello wor/", node));
}

TEST(FilterFacts, SlashesInRegexLiteralsAreEscaped) {
  TestNode node;
  node.facts = {{"path", "/var/lib/drover"}};
  EXPECT_TRUE(matches("path=~/^\\/var\\/lib/", node));
  EXPECT_TRUE(matches("path=~'^/var/lib'", node));
}

TEST(FilterFacts, QuotedValuesHoldSpacesQuotesAndParentheses) {
  TestNode node;
  node.facts = {{"motd", "hello world"}, {"owner", "O'Brien \"OB\""}, {"f", "g(x)"}};
  EXPECT_TRUE(matches("motd==\"hello world\"", node));
  EXPECT_TRUE(matches("motd=='hello world'", node));
  EXPECT_TRUE(matches(R"(owner=='O\'Brien "OB"')", node));
  EXPECT_TRUE(matches(R"(owner=="O'Brien \"OB\"")", node));
  EXPECT_TRUE(matches("(f=\"g(x)\")", node));
}

TEST(FilterFacts, PathologicalRegexFinishes) {
  TestNode node;
  node.facts = {{"text", std::string(100000, 'a')}};
  EXPECT_FALSE(matches("text=~/(a*)*b/", node));
  node.facts["text"] = std::string(100000, 'a') + "b";
  EXPECT_TRUE(matches("text=~/(a*)*b/", node));
}

TEST(FilterNames, ClassesMatchExactlyOrByRegex) {
  const auto node = webNode();  // role::web, profile::base
  EXPECT_TRUE(matches("class(role::web)", node));
  EXPECT_FALSE(matches("class(role::we)", node));
  EXPECT_FALSE(matches("class(ROLE::WEB)", node));
  EXPECT_TRUE(matches("class(/^profile::/)", node));
  EXPECT_FALSE(matches("class(/^role::db/)", node));
  EXPECT_TRUE(matches("CLASS( \"role::web\" )", node));
}

TEST(FilterNames, BareWordsAndBareRegexesAreClasses) {
  const auto node = webNode();
  EXPECT_TRUE(matches("role::web", node));
  EXPECT_FALSE(matches("role::db", node));
  EXPECT_TRUE(matches("/::base$/", node));
  EXPECT_TRUE(matches("role::web and not role::db", node));
}

TEST(FilterNames, AgentsMatchExactlyOrByRegex) {
  const auto node = webNode();  // rpcutil, puppet
  EXPECT_TRUE(matches("agent(puppet)", node));
  EXPECT_FALSE(matches("agent(puppetca)", node));
  EXPECT_FALSE(matches("agent(pup)", node));
  EXPECT_TRUE(matches("agent(/^pup/)", node));
  EXPECT_FALSE(matches("agent(/^ca/)", node));
}

TEST(FilterNames, IdentityMatchesExactlyOrByRegex) {
  const auto node = webNode();  // web1.example.com
  EXPECT_TRUE(matches("identity(web1.example.com)", node));
  EXPECT_FALSE(matches("identity(web1)", node));
  EXPECT_TRUE(matches("identity('web1.example.com')", node));
  EXPECT_TRUE(matches("identity(/^web\\d+\\./)", node));
  EXPECT_FALSE(matches("identity(/^db/)", node));
}

// A named node (naming agent) answers identity() to its assigned name and held
// aliases as well as to its bus identity, by exact name or by regex.
TEST(FilterNames, IdentityMatchesTheAssignedNameAndHeldAliases) {
  auto node = webNode();  // web1.example.com
  node.names = {"db-master", "mongo"};
  EXPECT_TRUE(matches("identity(web1.example.com)", node));
  EXPECT_TRUE(matches("identity(db-master)", node));
  EXPECT_TRUE(matches("identity(mongo)", node));
  EXPECT_FALSE(matches("identity(db-slave-1)", node));
  EXPECT_FALSE(matches("identity(db)", node));
  EXPECT_TRUE(matches("identity(/^db-(master|slave-\\d+)$/)", node));
  EXPECT_TRUE(matches("identity(/^mon/)", node));
  EXPECT_FALSE(matches("identity(/^web-/)", node));
  EXPECT_TRUE(matches("not identity(db-slave-1)", node));
  EXPECT_FALSE(matches("not identity(mongo)", node));
}

TEST(FilterNames, WithoutNamesOnlyTheIdentityMatches) {
  auto node = webNode();
  node.identity = "i-0abc";
  EXPECT_FALSE(matches("identity(db-master)", node));
  node.names = {"db-master"};
  EXPECT_TRUE(matches("identity(db-master)", node));
  EXPECT_TRUE(matches("identity(i-0abc)", node));
}

TEST(FilterCompound, DesignExampleSelectsTheRightNodes) {
  const auto filter =
      Filter::parse("region=eu-west-1 and (role=web or role=db) and not maintenance=true");
  auto node = webNode();
  EXPECT_TRUE(filter.matches(node.view()));
  node.facts["role"] = "db";
  EXPECT_TRUE(filter.matches(node.view()));
  node.facts["role"] = "cache";
  EXPECT_FALSE(filter.matches(node.view()));
  node.facts["role"] = "web";
  node.facts["maintenance"] = true;
  EXPECT_FALSE(filter.matches(node.view()));
  node.facts.erase("maintenance");
  EXPECT_TRUE(filter.matches(node.view()));  // no maintenance fact: not ... holds
}

TEST(FilterCompound, AndBindsTighterThanOr) {
  const auto node = webNode();  // role=web is true; the other tests are false
  EXPECT_TRUE(matches("role=web or role=db and cpus>100", node));
  EXPECT_FALSE(matches("(role=web or role=db) and cpus>100", node));
  EXPECT_TRUE(matches("cpus>100 and role=db or role=web", node));
}

TEST(FilterCompound, NotBindsTighterThanAnd) {
  const auto node = webNode();
  EXPECT_FALSE(matches("not role=web and role=db", node));  // (not web) and db
  EXPECT_TRUE(matches("not (role=web and role=db)", node));
  EXPECT_TRUE(matches("not not role=web", node));
}

TEST(FilterCompound, SymbolsAndAnyCaseKeywordsWork) {
  const auto node = webNode();
  EXPECT_TRUE(matches("role=web && !role=db", node));
  EXPECT_TRUE(matches("role=db || cpus==4", node));
  EXPECT_TRUE(matches("role=web&&cpus==4", node));
  EXPECT_TRUE(matches("role=web AND NOT role=db Or cpus>100", node));
  EXPECT_TRUE(matches("(role=db)or(role=web)", node));
}

TEST(FilterCompound, EmptyFilterMatchesEveryNode) {
  const auto node = webNode();
  EXPECT_TRUE(Filter().empty());
  EXPECT_TRUE(Filter().matches(node.view()));
  EXPECT_TRUE(Filter::parse(" \t\n").empty());
  EXPECT_TRUE(Filter::parse("").matches(node.view()));
}

TEST(FilterCompound, LongChainsDoNotCountAsNesting) {
  std::string expression = "cpus==4";
  for (int i = 0; i < 500; ++i) expression += " and role=web";
  EXPECT_TRUE(matches(expression, webNode()));
}

TEST(FilterCompound, FactsThatAreNotAnObjectMatchNoComparison) {
  TestNode node;
  node.facts = Json::array({1, 2});
  EXPECT_FALSE(matches("a==1", node));
  EXPECT_TRUE(matches("not a==1", node));
}

}  // namespace
}  // namespace drover::filter::test
