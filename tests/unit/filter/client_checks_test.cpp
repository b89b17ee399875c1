// What the client refuses on top of the grammar (filter.hpp, "What the client refuses"):
// ordering comparisons with numbers written in other notations, '=' in names, fact
// names its caller reserves (drover rpc: the action's inputs), and the hint for a
// MCollective-style fact=/regex/ whatever its pattern holds. Nodes parse as before.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/filter/filter.hpp"
#include "tests/unit/filter/test_node.hpp"

namespace drover::filter::test {
namespace {

using Values = std::vector<std::string>;

std::string facts(const Values& values, const FactCheck& check = {}) {
  return combine(values, {}, {}, {}, {}, check);
}
std::string compound(const Values& values, const FactCheck& check = {}) {
  return combine({}, {}, {}, {}, values, check);
}

void expectHas(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in: " << message;
}

// Refuses the inputs "noop" and "environment", as drover rpc does for puppet#runonce.
std::string reserveInputs(const FactUse& use) {
  if (use.name != "noop" && use.name != "environment") return "";
  return "'" + std::string(use.name) + "' is an input (" + std::string(use.op) + " " +
         std::string(use.value) + ")";
}

TEST(FilterClientChecks, OrderingWithOtherNotationsIsRefusedNamingTheValue) {
  struct Case {
    std::string flag, value;
    int column;
    std::string instead;
  };
  const std::vector<Case> cases = {
      {"cpus>=010", "010", 7, "cpus>=10"},
      {"cpus>0x1F", "0x1F", 6, "cpus>31"},
      {"cpus<0o7", "0o7", 6, "cpus<7"},
      {"cpus<=0b1", "0b1", 7, "cpus<=1"},
      {"n>=1_000", "1_000", 4, "n>=1000"},
      {"cpus>=+4", "+4", 7, "cpus>=4"},
      {"load<.5", ".5", 6, "load<0.5"},
      {"load<5.", "5.", 6, "load<5"},
      {"mem>1e3", "1e3", 5, "mem>1000"},
      {"cpus >= 010", "010", 9, "cpus>=10"},
      {"fact(cpus)>=010", "010", 13, "fact(cpus)>=10"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flag);
    const auto message = errorOf([&c] { facts({c.flag}); });
    expectHas(message, "-F '" + c.flag + "' at column " + std::to_string(c.column) + ": '" +
                           c.value + "' is not a plain decimal number");
    expectHas(message, "write " + c.instead + " to compare numbers");
    expectHas(message, "\"" + c.value + "\" to compare text");
  }
}

TEST(FilterClientChecks, AmbiguousNotationsAreRefusedWithoutAGuess) {
  const auto message = errorOf([] { facts({"count>=1,000"}); });
  expectHas(message, "'1,000' is not a plain decimal number");
  expectHas(message, "plain decimal digits");
  expectHas(message, "count>=\"1,000\" to compare text");
}

TEST(FilterClientChecks, CompoundOrderingIsCheckedToo) {
  const auto message = errorOf([] { compound({"role=web and cpus > 0x10"}); });
  expectHas(message, "-S 'role=web and cpus > 0x10' at column 21");
  expectHas(message, "cpus>16");
}

TEST(FilterClientChecks, QuotedValuesStillCompareTextAndSayItInTheirCanonicalText) {
  EXPECT_EQ(facts({"zip>=\"010\""}), "zip >= \"010\"");
  EXPECT_EQ(compound({"zip < '0x1F'"}), "zip < \"0x1F\"");
  TestNode node;
  node.facts = {{"zip", "020"}, {"cpus", 4}};
  EXPECT_TRUE(matches(facts({"zip>='010'"}), node));
  EXPECT_TRUE(matches(facts({"cpus>='010'"}), node));  // "4" >= "010" as text
}

TEST(FilterClientChecks, EqualityAndRegexKeepSuchValuesAsText) {
  EXPECT_EQ(facts({"zip==010", "id!=0x1F", "v=1e3", "n=~^0x"}),
            "zip == 010 and id != 0x1F and v == 1e3 and n =~ /^0x/");
  TestNode node;
  node.facts = {{"zip", "010"}, {"cpus", 10}};
  EXPECT_TRUE(matches(facts({"zip==010"}), node));
  EXPECT_FALSE(matches(facts({"cpus==010"}), node));
}

TEST(FilterClientChecks, NodesStillEvaluateSuchComparisonsAsText) {
  const auto filter = Filter::parse("cpus>=010");  // as an older client may send it
  EXPECT_EQ(filter.text(), "cpus >= \"010\"");
  EXPECT_EQ(Filter::parse(filter.text()).text(), filter.text());
  TestNode node;
  node.facts = {{"cpus", 4}};
  EXPECT_TRUE(filter.matches(node.view()));  // "4" >= "010"
  node.facts = {{"cpus", 0}};
  EXPECT_FALSE(filter.matches(node.view()));  // "0" < "010"
  EXPECT_NO_THROW(Filter::parse("a > 0x1F or b < 1_000 or c <= +4 or d >= .5 or e < 1e3"));
}

TEST(FilterClientChecks, EqualsSignInNamesIsRefusedNamingFlagAndValue) {
  struct Case {
    Values classes, agents, identities;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{}, {}, {"noop=true"}, "-I 'noop=true' at column 5: identities cannot contain '='"},
      {{"role=web"}, {}, {}, "-C 'role=web' at column 5: class names cannot contain '='"},
      {{}, {"a==b"}, {}, "-A 'a==b' at column 2: agent names cannot contain '='"},
  };
  for (const auto& c : cases) {
    const auto message = errorOf([&c] { combine({}, c.classes, c.agents, c.identities, {}); });
    expectHas(message, c.expected);
    expectHas(message, "after the action");
    expectHas(message, "-F '");
  }
  EXPECT_EQ(combine({}, {"/a=b/"}, {}, {"/^x=/"}, {}), "class(/a=b/) and identity(/^x=/)");
  expectHas(errorOf([] { compound({"identity(web1=x)"}); }),
            "-S 'identity(web1=x)' at column 10: identities cannot contain '='");
  EXPECT_EQ(Filter::parse("class(a=b)").text(), "class(\"a=b\")");  // nodes: unchanged
}

TEST(FilterClientChecks, ReservedFactNamesAreRefusedWhereverTheyAppear) {
  const auto inF = errorOf([] { facts({"noop=true"}, reserveInputs); });
  expectHas(inF, "-F 'noop=true' at column 1: 'noop' is an input (= true)");
  const auto inS = errorOf([] { compound({"role=web and environment == 'prod'"}, reserveInputs); });
  expectHas(inS, "at column 14: 'environment' is an input (== 'prod')");
  expectHas(errorOf([] { facts({"noop=~^t"}, reserveInputs); }), "'noop' is an input (=~ ^t)");
  expectHas(errorOf([] { compound({"not noop>1"}, reserveInputs); }), "at column 5");
  EXPECT_EQ(facts({"role=web", "noop.level=1"}, reserveInputs), "role == web and noop.level == 1");
}

TEST(FilterClientChecks, FactCallFiltersOnAReservedName) {
  EXPECT_EQ(facts({"fact(noop)=true"}, reserveInputs), "noop == true");
  EXPECT_EQ(compound({"FACT ( noop ) == true and not fact(environment)=~/^prod/"}, reserveInputs),
            "noop == true and not environment =~ /^prod/");
  TestNode node;
  node.facts = {{"noop", true}};
  EXPECT_TRUE(matches("fact(noop)=true", node));
  EXPECT_EQ(Filter::parse("fact(os.family)==Debian").text(), "os.family == Debian");
}

TEST(FilterClientChecks, FactCallErrorsAreNamed) {
  expectHas(errorOf([] { Filter::parse("fact(x)"); }), "expected an operator");
  expectHas(errorOf([] { Filter::parse("fact(x)"); }), "after 'fact(x)'");
  expectHas(errorOf([] { Filter::parse("fact()=1"); }), "expected a fact name in 'fact()'");
  expectHas(errorOf([] { Filter::parse("fact(and)=1"); }), "'and' is a keyword, not a fact name");
  expectHas(errorOf([] { facts({"fact(x=1"}); }), "expected ')' to close 'fact('");
  expectHas(errorOf([] { facts({"fact(x"}); }), "missing ')' to close 'fact('");
  EXPECT_EQ(Filter::parse("fact=1 or fact").text(), "fact == 1 or class(fact)");
}

// MCollective writes a regex fact filter fact=/re/: it means fact=~/re/ here too, whatever
// the pattern holds. Other operators with a /regex/ value get the hint.
TEST(FilterClientChecks, McollectiveRegexFormMatchesWhateverThePatternHolds) {
  const Values patterns = {"/re(x)/", "/(a|b)/", "/[)]/",   "/a b/",      "/ x/",
                           "/a||b/",  "/a&&b/",  "/x\\)$/", "/a\\/b (c)/"};
  for (const auto& pattern : patterns) {
    SCOPED_TRACE(pattern);
    EXPECT_EQ(facts({"fact=" + pattern}), facts({"fact=~" + pattern}));
    EXPECT_EQ(compound({"fact=" + pattern + " and role=web"}),
              compound({"fact=~" + pattern + " and role=web"}));
    EXPECT_EQ(Filter::parse("fact=" + pattern).text(), Filter::parse("fact=~" + pattern).text());
  }
  EXPECT_EQ(compound({"(fact=/re(x)/)"}), compound({"fact=~/re(x)/"}));
  expectHas(errorOf([] { facts({"name!=/a (b)/"}); }), "the regex '/a (b)/' needs the '=~'");
  expectHas(errorOf([] { facts({"name==/deb/"}); }), "the regex '/deb/' needs the '=~'");
}

TEST(FilterClientChecks, SlashValuesThatAreNoRegexKeepTheirMeaning) {
  EXPECT_EQ(facts({"path=/etc/hosts"}), "path == \"/etc/hosts\"");
  expectHas(errorOf([] { facts({"fact!=/re(x)/", "cpus>=010"}); }), "the regex '/re(x)/'");
  // A real mistake elsewhere is still reported as itself.
  expectHas(errorOf([] { facts({"path=/a)x"}); }), "unexpected ')'");
}

}  // namespace
}  // namespace drover::filter::test
