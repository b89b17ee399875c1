// How filters are written: canonical text, and errors that point at the mistake.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/filter/filter.hpp"
#include "tests/unit/filter/test_node.hpp"

namespace drover::filter::test {
namespace {

std::vector<TestNode> sampleNodes() {
  std::vector<TestNode> nodes(3);
  nodes[0].facts = {{"region", "eu-west-1"}, {"role", "web"}, {"cpus", 4}, {"motd", "a \"b\""}};
  nodes[0].classes = {"role::web"};
  nodes[0].agents = {"puppet"};
  nodes[1].facts = {{"region", "us-east-1"}, {"role", "db"}, {"cpus", 16}, {"path", "/a/b"}};
  nodes[1].identity = "db 1";
  nodes[2].facts = {{"role", "web"}, {"maintenance", true}, {"tags", {"x y", "a\\b"}}};
  nodes[2].identity = "web-2.example.com";
  return nodes;
}

// Fails the test unless parsing `expression` fails at `column` with `detail` in the message.
void expectError(const std::string& expression, std::size_t column, const std::string& detail) {
  try {
    Filter::parse(expression);
    ADD_FAILURE() << "accepted: " << expression;
  } catch (const FilterError& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.position(), column - 1) << message;
    EXPECT_NE(message.find("at column " + std::to_string(column) + ":"), std::string::npos)
        << message;
    EXPECT_NE(message.find(detail), std::string::npos) << message;
  }
}

TEST(FilterCanonical, TextSpellsOperatorsAndKeywordsOneWay) {
  const auto filter =
      Filter::parse("region=eu-west-1 AND (role=web || role=db) && !maintenance=true");
  EXPECT_EQ(filter.text(),
            "region == eu-west-1 and (role == web or role == db) and not maintenance == true");
  EXPECT_EQ(Filter::parse("role::web or /^db/").text(), "class(role::web) or class(/^db/)");
  EXPECT_EQ(Filter::parse("Agent(puppet) and IDENTITY(/x/)").text(),
            "agent(puppet) and identity(/x/)");
  EXPECT_EQ(Filter::parse("Role::Web && (a=1 || b='x y')").text(),
            "class(Role::Web) and (a == 1 or b == \"x y\")");
  EXPECT_EQ(Filter().text(), "");
}

TEST(FilterCanonical, OnlyNeededParenthesesRemain) {
  EXPECT_EQ(Filter::parse("((a=1))").text(), "a == 1");
  EXPECT_EQ(Filter::parse("(a=1 and b=2) and c=3").text(), "a == 1 and b == 2 and c == 3");
  EXPECT_EQ(Filter::parse("a=1 or (b=2 and c=3)").text(), "a == 1 or b == 2 and c == 3");
  EXPECT_EQ(Filter::parse("not (a=1 or b=2)").text(), "not (a == 1 or b == 2)");
  EXPECT_EQ(Filter::parse("(a=1 or b=2) and c=3").text(), "(a == 1 or b == 2) and c == 3");
}

TEST(FilterCanonical, ValuesAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(Filter::parse("a=='eu-west-1'").text(), "a == eu-west-1");
  EXPECT_EQ(Filter::parse("a=='x y'").text(), "a == \"x y\"");
  EXPECT_EQ(Filter::parse(R"(a=='say "hi"\\')").text(), R"(a == "say \"hi\"\\")");
  EXPECT_EQ(Filter::parse("a==''").text(), "a == \"\"");
  EXPECT_EQ(Filter::parse("a==\"/x/\"").text(), "a == \"/x/\"");
  EXPECT_EQ(Filter::parse("p=~'^/var/'").text(), "p =~ /^\\/var\\//");
}

TEST(FilterCanonical, TextParsesBackToTheSameMeaning) {
  const std::vector<std::string> corpus = {
      "region=eu-west-1 and (role=web or role=db) and not maintenance=true",
      "cpus>=4 || cpus<2 && !role=db",
      "motd=='a \"b\"' or path=~'^/a/' or tags==\"x y\" or tags==\"a\\\\b\"",
      "role::web or /^pro/ or agent(/^pup/) or identity('db 1')",
      "not not (identity(/^web-\\d\\./) and maintenance==true)",
      "cpus=~/^(1|4)/ and region!=us-east-1",
  };
  const auto nodes = sampleNodes();
  for (const auto& expression : corpus) {
    const auto first = Filter::parse(expression);
    const auto second = Filter::parse(first.text());
    EXPECT_EQ(second.text(), first.text()) << expression;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      EXPECT_EQ(first.matches(nodes[i].view()), second.matches(nodes[i].view()))
          << expression << " on node " << i;
    }
  }
}

TEST(FilterErrors, MissingValueNamesTheOperatorAndColumn) {
  try {
    Filter::parse("region=");
    ADD_FAILURE() << "accepted";
  } catch (const FilterError& error) {
    EXPECT_STREQ(error.what(), "filter 'region=' at column 8: expected a value after '='");
    EXPECT_EQ(error.position(), 7u);
  }
  expectError("region >= )", 11, "expected a value after '>='");
  expectError("region== && a=1", 10, "expected a value after '=='");
}

TEST(FilterErrors, UnknownOperatorIsNamed) {
  expectError("name!~x", 5, "unknown operator '!~'");
  expectError("cpus=>=4", 5, "unknown operator '=>='");
}

// MCollective's spellings of >= and <= mean what they mean there, and travel as usual.
TEST(FilterSyntax, McollectiveOrderingSpellingsAreAliases) {
  EXPECT_EQ(Filter::parse("cpus => 8").text(), Filter::parse("cpus >= 8").text());
  EXPECT_EQ(Filter::parse("cpus=<4").text(), "cpus <= 4");
  auto nodes = sampleNodes();
  EXPECT_TRUE(Filter::parse("cpus=>16").matches(nodes[1].view()));
  EXPECT_FALSE(Filter::parse("cpus=>16").matches(nodes[0].view()));
  EXPECT_TRUE(Filter::parse("cpus=<4").matches(nodes[0].view()));
}

TEST(FilterErrors, InvalidRegexIsNamed) {
  expectError("name=~/(a/", 7, "invalid regex /(a/");
  expectError("a=1 and class(/[z-a]/)", 15, "invalid regex /[z-a]/");
  expectError("/(/", 1, "invalid regex /(/");
  expectError("identity(/a**/)", 10, "invalid regex");
}

TEST(FilterErrors, UnbalancedParenthesesAreReported) {
  expectError("(a=1 and b=2", 13, "missing ')' to close the '(' at column 1");
  expectError("a=1)", 4, "unexpected ')' with no matching '('");
  expectError("(a=1 b=2)", 6, "unexpected 'b=2'; expected 'and', 'or' or ')'");
  expectError("class(web", 10, "missing ')' to close 'class(' at column 6");
  expectError("agent(a b)", 9, "expected ')' to close 'agent(' but found 'b'");
}

TEST(FilterErrors, MissingOperandIsReported) {
  expectError("a=1 and", 8, "expected an expression after 'and'");
  expectError("and a=1", 1, "but found 'and'");
  expectError("a=1 or or b=2", 8, "expected an expression after 'or' but found 'or'");
  expectError("not", 4, "expected an expression after 'not'");
  expectError("a=1 || )", 8, "after '||' but found ')'");
  expectError("=x", 1, "expected a fact comparison, class, agent(), identity(), 'not' or '('");
}

TEST(FilterErrors, TrailingTextIsNamed) {
  expectError("a=1 b=2", 5, "unexpected 'b=2'; expected 'and', 'or' or the end of the filter");
  expectError("a=\"x\"y", 6, "unexpected 'y'");
  expectError("/web/i", 6, "unexpected 'i'");
  expectError("role::web !db", 11, "unexpected '!db'");
}

TEST(FilterErrors, EmptyParenthesesAreReported) {
  expectError("()", 1, "empty parentheses");
  expectError("a=1 and ( )", 9, "empty parentheses");
  expectError("class()", 6, "empty parentheses in 'class()'");
  expectError("identity(\"\")", 10, "expected a name or /regex/ in 'identity()'");
}

TEST(FilterErrors, UnterminatedStringsAndRegexesAreReported) {
  expectError("a=\"foo", 3, "unterminated string");
  expectError("a='foo\\'", 3, "unterminated string");
  expectError("a=~/foo", 4, "unterminated regex");
}

TEST(FilterErrors, LikelyTyposAreRejected) {
  expectError("os==/deb/", 5, "the regex '/deb/' needs the '=~' operator");
  expectError("a = = b", 5, "unexpected '=' at the start of the value after '='");
  expectError("facts(x)", 1, "unknown function 'facts()'");
}

TEST(FilterErrors, NestingIsLimited) {
  const auto nested = [](int depth) {
    return std::string(depth, '(') + "a=1" + std::string(depth, ')');
  };
  EXPECT_NO_THROW(Filter::parse(nested(kMaxDepth)));
  expectError(nested(kMaxDepth + 1), kMaxDepth + 1, "nested deeper than 64 levels");
  std::string nots;
  for (int i = 0; i <= kMaxDepth; ++i) nots += "not ";
  expectError(nots + "a=1", kMaxDepth * 4 + 1, "nested deeper than 64 levels");
}

TEST(FilterErrors, LengthIsLimitedAndMessagesStayShort) {
  const std::string head = "a == ";  // already canonical, so the text stays within the limit
  EXPECT_NO_THROW(Filter::parse(head + std::string(kMaxLength - head.size(), 'x')));
  const std::string tooLong = head + std::string(kMaxLength + 1 - head.size(), 'x');
  expectError(tooLong, kMaxLength + 1, "longer than 8192 bytes (8193)");
  // The canonical text travels to the nodes, so it must fit the limit as well.
  std::string growing = "a=1";
  while (growing.size() + 8 <= kMaxLength) growing += " || a=1";
  const auto message = errorOf([&growing] { Filter::parse(growing); });
  EXPECT_NE(message.find("bytes long when written out; the limit is 8192"), std::string::npos)
      << message;
  try {
    Filter::parse(std::string(5000, 'x') + " y");
    ADD_FAILURE() << "accepted";
  } catch (const FilterError& error) {
    EXPECT_LT(std::string(error.what()).size(), 200u);
    EXPECT_NE(std::string(error.what()).find("unexpected 'y'"), std::string::npos);
  }
}

}  // namespace
}  // namespace drover::filter::test
