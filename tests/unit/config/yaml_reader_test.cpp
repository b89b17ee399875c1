// Reading YAML config files: every kind of problem is reported with file:line:column
// and the key, and all problems of a file come back together.
#include <gtest/gtest.h>

#include "core/config/loader.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

using testing::errorOf;
using testing::Sample;
using testing::ScratchDir;

class ConfigFile : public ::testing::Test {
 protected:
  // Writes `yaml` to sample.yaml and loads it; `file_` is the path messages name.
  Sample load(const std::string& yaml) {
    dir_.write("sample.yaml", yaml);
    return config::load(Sample::table(), file_, CliOverrides{});
  }
  std::string errorLoading(const std::string& yaml) {
    return errorOf([&] { load(yaml); });
  }

  ScratchDir dir_;
  const std::string file_ = (dir_.path() / "sample.yaml").string();
};

TEST_F(ConfigFile, ReadsEveryTypeAndNesting) {
  Sample s = load(
      "name: web01\ncount: 8\nverbose: true\nratio: 0.75\nquiet: 300\nttl: 0\n"
      "endpoints:\n  - ipc:///run/a\n  - tcp://h:1\ndir: /srv\nouter:\n  inner: x\n"
      "outer.other: y\n");
  EXPECT_EQ(s.name, "web01");
  EXPECT_EQ(s.count, 8);
  EXPECT_TRUE(s.verbose);
  EXPECT_DOUBLE_EQ(s.ratio, 0.75);
  EXPECT_EQ(s.quiet, std::chrono::milliseconds(300));
  EXPECT_EQ(s.ttl, std::chrono::seconds(0));
  EXPECT_EQ(s.endpoints, (std::vector<std::string>{"ipc:///run/a", "tcp://h:1"}));
  EXPECT_EQ(s.dir, "/srv");
  EXPECT_EQ(s.outerInner, "x");
  EXPECT_EQ(s.outerOther, "y");
}

TEST_F(ConfigFile, EmptyFileKeepsDefaults) {
  Sample s = load("# nothing set\n");
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.endpoints, std::vector<std::string>{"tcp://127.0.0.1:7301"});
}

TEST_F(ConfigFile, NullValuesEmptyStringsAndLists) {
  Sample s = load("outer:\n  inner:\nendpoints:\n");
  EXPECT_EQ(s.outerInner, "");
  EXPECT_TRUE(s.endpoints.empty());
}

TEST_F(ConfigFile, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(errorLoading("name: x\ncont: 5\n"),
            file_ + ":2:1: unknown key 'cont' (did you mean 'count'?)");
  EXPECT_EQ(errorLoading("outer:\n  innr: z\n"),
            file_ + ":2:3: unknown key 'outer.innr' (did you mean 'outer.inner'?)");
  EXPECT_EQ(errorLoading("colour: red\n"), file_ + ":1:1: unknown key 'colour'");
}

TEST_F(ConfigFile, WrongTypeNamesTheValuePosition) {
  EXPECT_EQ(errorLoading("name: x\ncount: many\n"),
            file_ + ":2:8: key 'count': expected an integer between 1 and 256, got 'many'");
  EXPECT_EQ(errorLoading("verbose: yes\n"),
            file_ + ":1:10: key 'verbose': expected true or false, got 'yes'");
  EXPECT_EQ(errorLoading("count:\n  a: 1\n"),
            file_ + ":2:3: key 'count': expected an integer between 1 and 256, got a map");
  EXPECT_EQ(errorLoading("count: [1]\n"),
            file_ + ":1:8: key 'count': expected an integer between 1 and 256, got a list");
  EXPECT_EQ(errorLoading("count:\n"),
            file_ + ":1:1: key 'count': expected an integer between 1 and 256, got nothing");
}

TEST_F(ConfigFile, OutOfRange) {
  EXPECT_EQ(errorLoading("count: 999\n"),
            file_ + ":1:8: key 'count': expected an integer between 1 and 256, got '999'");
  EXPECT_EQ(errorLoading("quiet: 0\n"),
            file_ +
                ":1:8: key 'quiet': expected a whole number of milliseconds between 1 and "
                "60000, got '0'");
}

TEST_F(ConfigFile, BadListItemIsPlacedAtTheItem) {
  EXPECT_EQ(errorLoading("endpoints:\n  - tcp://127.0.0.1:7301\n  - http://x\n"),
            file_ +
                ":3:5: key 'endpoints': expected an endpoint such as tcp://HOST:PORT, "
                "ipc://PATH or inproc://NAME, got 'http://x'");
  EXPECT_EQ(errorLoading("endpoints: [[a]]\n"),
            file_ + ":1:13: key 'endpoints': expected a list of strings, got a list in it");
}

TEST_F(ConfigFile, DuplicateKeys) {
  EXPECT_EQ(errorLoading("count: 5\nname: a\ncount: 6\n"),
            file_ + ":3:1: duplicate key 'count' (first set on line 1)");
  EXPECT_EQ(errorLoading("outer:\n  inner: a\nouter.inner: b\n"),
            file_ + ":3:1: duplicate key 'outer.inner' (first set on line 2)");
}

TEST_F(ConfigFile, SyntaxError) {
  EXPECT_EQ(errorLoading("count: [1,\nname: x\n"),
            file_ + ":3:1: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(errorLoading("count: 1\n name: 2\n"),
            file_ + ":2:6: YAML syntax error: illegal map value");
}

TEST_F(ConfigFile, TopLevelAndSectionsMustBeMaps) {
  EXPECT_EQ(errorLoading("- count\n- name\n"),
            file_ + ":1:1: expected a map of settings, got a list");
  EXPECT_EQ(errorLoading("outer: 5\n"), file_ + ":1:8: key 'outer': expected a map, got '5'");
}

TEST_F(ConfigFile, OneDocumentOnly) {
  EXPECT_EQ(errorLoading("count: 1\n---\ncount: 2\n"),
            file_ + ":3:1: expected one YAML document, found 2");
}

TEST_F(ConfigFile, AllProblemsAreReportedTogether) {
  EXPECT_EQ(errorLoading("cont: 5\ncount: many\nverbose: maybe\ncount: 3\n"),
            file_ + ":1:1: unknown key 'cont' (did you mean 'count'?)\n" + file_ +
                ":2:8: key 'count': expected an integer between 1 and 256, got 'many'\n" + file_ +
                ":3:10: key 'verbose': expected true or false, got 'maybe'\n" + file_ +
                ":4:1: duplicate key 'count' (first set on line 2)");
}

TEST_F(ConfigFile, MissingFileIsAnError) {
  auto missing = (dir_.path() / "missing.yaml").string();
  EXPECT_EQ(errorOf([&] { config::load(Sample::table(), missing, CliOverrides{}); }),
            "cannot read " + missing + ": No such file or directory");
}

TEST(ConfigText, LoadTextNamesTheGivenName) {
  EXPECT_EQ(errorOf([] { loadText(Sample::table(), "count: 0\n", "inline"); }),
            "inline:1:8: key 'count': expected an integer between 1 and 256, got '0'");
  EXPECT_EQ(loadText(Sample::table(), "count: 9\n", "inline").count, 9);
}

}  // namespace
}  // namespace drover::config
