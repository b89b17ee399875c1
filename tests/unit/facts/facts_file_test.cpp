// The YAML facts file keeps YAML types by documented, narrow rules; the classes file is
// one class per line.
#include <gtest/gtest.h>

#include "core/facts/facts_file.hpp"
#include "tests/unit/facts/scratch_dir.hpp"

namespace drover::facts {
namespace {

using testing::ScratchDir;

std::string errorOf(const std::string& yaml, const std::string& name = "facts.yaml") {
  try {
    parseFacts(yaml, name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FactsTyping, Integers) {
  Json f = parseFacts("a: 0\nb: 42\nc: -12\nd: 9223372036854775807\n", "f");
  EXPECT_TRUE(f["a"].is_number_integer());
  EXPECT_EQ(f["b"], 42);
  EXPECT_EQ(f["c"], -12);
  EXPECT_EQ(f["d"].get<std::int64_t>(), INT64_MAX);
}

TEST(FactsTyping, Floats) {
  Json f = parseFacts("a: 1.5\nb: -2.0\nc: 3.0\nd: 1e3\ne: 2.5E-3\nf: 1.10\n", "f");
  for (const char* key : {"a", "b", "c", "f"}) EXPECT_TRUE(f[key].is_number_float()) << key;
  EXPECT_DOUBLE_EQ(f["a"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(f["b"].get<double>(), -2.0);
  // Exponent forms stay text, as in the filter language, so `d=1e3` compares like for like.
  EXPECT_EQ(f["d"], "1e3");
  EXPECT_EQ(f["e"], "2.5E-3");
  EXPECT_DOUBLE_EQ(f["f"].get<double>(), 1.1) << "unquoted versions lose their zeros";
}

TEST(FactsTyping, BoolsAndNulls) {
  Json f = parseFacts(
      "a: true\nb: True\nc: TRUE\nd: false\ne: False\ng: FALSE\n"
      "h: ~\ni: null\nj: NULL\nk:\n",
      "f");
  for (const char* key : {"a", "b", "c"}) EXPECT_EQ(f[key], true) << key;
  for (const char* key : {"d", "e", "g"}) EXPECT_EQ(f[key], false) << key;
  for (const char* key : {"h", "i", "j", "k"}) EXPECT_TRUE(f[key].is_null()) << key;
}

TEST(FactsTyping, EverythingElseIsAString) {
  Json f = parseFacts(
      "a: yes\nb: no\nc: on\nd: off\ne: 010\ng: 00.5\nh: 0x10\ni: 0o17\n"
      "j: 1_000\nk: +5\nl: .5\nm: 1.\nn: .inf\no: .nan\np: 1.2.3\n"
      "q: 99999999999999999999\nr: 12:30\ns: eu-west-1\n",
      "f");
  std::map<std::string, std::string> expected{
      {"a", "yes"},   {"b", "no"},       {"c", "on"},    {"d", "off"},
      {"e", "010"},   {"g", "00.5"},     {"h", "0x10"},  {"i", "0o17"},
      {"j", "1_000"}, {"k", "+5"},       {"l", ".5"},    {"m", "1."},
      {"n", ".inf"},  {"o", ".nan"},     {"p", "1.2.3"}, {"q", "99999999999999999999"},
      {"r", "12:30"}, {"s", "eu-west-1"}};
  for (const auto& [key, text] : expected) EXPECT_EQ(f[key], text) << key;
}

TEST(FactsTyping, QuotedAndTaggedScalarsStayStrings) {
  Json f = parseFacts(
      "a: '42'\nb: \"1.5\"\nc: 'true'\nd: \"null\"\ne: !!str 7\n"
      "g: |\n  10\nh: ''\n",
      "f");
  EXPECT_EQ(f["a"], "42");
  EXPECT_EQ(f["b"], "1.5");
  EXPECT_EQ(f["c"], "true");
  EXPECT_EQ(f["d"], "null");
  EXPECT_EQ(f["e"], "7");
  EXPECT_EQ(f["g"], "10\n");
  EXPECT_EQ(f["h"], "");
}

TEST(FactsTyping, NestedMapsAndLists) {
  Json f = parseFacts(
      "ec2:\n  tags:\n    role: web\n    weight: 3\n"
      "disks: [sda, 2, true, {size: 1.5}]\n",
      "f");
  EXPECT_EQ(f["ec2"]["tags"]["role"], "web");
  EXPECT_EQ(f["ec2"]["tags"]["weight"], 3);
  EXPECT_EQ(f["disks"], Json::parse(R"(["sda", 2, true, {"size": 1.5}])"));
}

TEST(FactsFile, ReadsAFileAndAnEmptyOne) {
  ScratchDir dir;
  EXPECT_EQ(loadFactsFile(dir.write("facts.yaml", "region: eu-west-1\n")),
            Json({{"region", "eu-west-1"}}));
  EXPECT_EQ(loadFactsFile(dir.write("empty.yaml", "# nothing yet\n")), Json::object());
}

TEST(FactsFile, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(errorOf("- a\n- b\n"),
            "facts.yaml:1:1: expected a map of fact names to values at the top level");
  EXPECT_EQ(errorOf("scalar"),
            "facts.yaml:1:1: expected a map of fact names to values at the top level");
  EXPECT_EQ(errorOf("a: 1\nb: [1,\nc: 2\n"),
            "facts.yaml:4:1: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(errorOf("a: 1\nb:\n  x: 1\n  x: 2\n"),
            "facts.yaml:4:3: duplicate key 'x' (first on line 3)");
  EXPECT_EQ(errorOf("? [a]\n: 1\n"),
            "facts.yaml:1:3: expected a fact name, got a map, list or null");
}

TEST(FactsFile, SelfReferenceIsRefused) {
  EXPECT_EQ(errorOf("a: &loop [*loop]\n").rfind("facts.yaml:", 0), 0u);
  EXPECT_NE(errorOf("a: &loop [*loop]\n").find("nested more than 64 levels deep"),
            std::string::npos);
}

TEST(FactsFile, UnreadableFileNamesThePath) {
  ScratchDir dir;
  auto missing = dir / "missing.yaml";
  try {
    loadFactsFile(missing);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read " + missing.string() + ": No such file or directory");
  }
}

TEST(FactsClasses, OneClassPerLine) {
  ScratchDir dir;
  auto file = dir.write(
      "classes.txt",
      "# written by puppet\nrole::web\n\n  profile::base  \r\nsettings\n  # indented comment\n");
  EXPECT_EQ(loadClassesFile(file),
            (std::vector<std::string>{"role::web", "profile::base", "settings"}));
  EXPECT_THROW(loadClassesFile(dir / "missing.txt"), Error);
}

}  // namespace
}  // namespace drover::facts
