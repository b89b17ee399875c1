// Text to field conversion and the shared checks, below the file and flag readers.
#include <gtest/gtest.h>

#include "core/config/checks.hpp"
#include "core/config/values.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

using testing::Sample;

// The binding of `key` in `sample`.
Binding field(Sample& sample, const std::string& key) {
  for (const auto& binding : Sample::table().bind(sample)) {
    if (binding.spec->key == key) return binding;
  }
  throw std::logic_error("no option " + key);
}

std::string set(Sample& sample, const std::string& key, const std::string& text) {
  Binding b = field(sample, key);
  return assignText(*b.spec, b.field, text);
}

TEST(ConfigValues, FlagsAreDerivedFromKeys) {
  EXPECT_EQ(flagFor("broker.publish"), "--broker-publish");
  EXPECT_EQ(flagFor("queue_limit"), "--queue-limit");
  EXPECT_EQ(flagFor("workers"), "--workers");
}

TEST(ConfigValues, TypesAreDeducedFromFields) {
  auto specs = Sample::table().specs();
  ASSERT_EQ(specs.size(), 10u);
  EXPECT_EQ(specs[0]->type, Type::String);
  EXPECT_EQ(specs[1]->type, Type::Int);
  EXPECT_EQ(specs[2]->type, Type::Bool);
  EXPECT_EQ(specs[3]->type, Type::Double);
  EXPECT_EQ(specs[4]->type, Type::Milliseconds);
  EXPECT_EQ(specs[5]->type, Type::Seconds);
  EXPECT_EQ(specs[6]->type, Type::StringList);
  EXPECT_EQ(specs[7]->type, Type::Path);
}

TEST(ConfigValues, IntegersAreCheckedAgainstTheirRange) {
  Sample s;
  EXPECT_EQ(set(s, "count", "256"), "");
  EXPECT_EQ(s.count, 256);
  EXPECT_EQ(set(s, "count", "+7"), "");
  EXPECT_EQ(s.count, 7);
  EXPECT_EQ(set(s, "count", "257"), "expected an integer between 1 and 256, got '257'");
  EXPECT_EQ(set(s, "count", "0"), "expected an integer between 1 and 256, got '0'");
  EXPECT_EQ(set(s, "count", "4.5"), "expected an integer between 1 and 256, got '4.5'");
  EXPECT_EQ(set(s, "count", "99999999999999999999"),
            "expected an integer between 1 and 256, got '99999999999999999999'");
  EXPECT_EQ(set(s, "count", ""), "expected an integer between 1 and 256, got nothing");
  EXPECT_EQ(s.count, 7) << "a rejected value leaves the field alone";
}

TEST(ConfigValues, BoolsAcceptOnlyTrueAndFalse) {
  Sample s;
  EXPECT_EQ(set(s, "verbose", "True"), "");
  EXPECT_TRUE(s.verbose);
  EXPECT_EQ(set(s, "verbose", "FALSE"), "");
  EXPECT_FALSE(s.verbose);
  EXPECT_EQ(set(s, "verbose", "yes"), "expected true or false, got 'yes'");
  EXPECT_EQ(set(s, "verbose", "1"), "expected true or false, got '1'");
}

TEST(ConfigValues, DoublesAndDurations) {
  Sample s;
  EXPECT_EQ(set(s, "ratio", "0.25"), "");
  EXPECT_DOUBLE_EQ(s.ratio, 0.25);
  EXPECT_EQ(set(s, "ratio", "1.5"), "expected a number between 0 and 1, got '1.5'");
  EXPECT_EQ(set(s, "ratio", "nan"), "expected a number between 0 and 1, got 'nan'");
  EXPECT_EQ(set(s, "quiet", "250"), "");
  EXPECT_EQ(s.quiet, std::chrono::milliseconds(250));
  EXPECT_EQ(set(s, "quiet", "2.5"),
            "expected a whole number of milliseconds between 1 and 60000, got '2.5'");
  EXPECT_EQ(set(s, "ttl", "0"), "");
  EXPECT_EQ(s.ttl, std::chrono::seconds(0));
  EXPECT_EQ(set(s, "ttl", "-1"),
            "expected a whole number of seconds between 0 and 86400, got '-1'");
}

TEST(ConfigValues, ListsAndTheirItems) {
  Sample s;
  Binding b = field(s, "endpoints");
  EXPECT_EQ(assignList(*b.spec, b.field, {"ipc:///run/a", "inproc://b"}), "");
  EXPECT_EQ(s.endpoints, (std::vector<std::string>{"ipc:///run/a", "inproc://b"}));
  EXPECT_EQ(
      assignList(*b.spec, b.field, {"tcp://h:1", "udp://x"}),
      "expected an endpoint such as tcp://HOST:PORT, ipc://PATH or inproc://NAME, got 'udp://x'");
  EXPECT_EQ(s.endpoints.size(), 2u) << "a rejected list leaves the field alone";
  EXPECT_EQ(assignText(*b.spec, b.field, "tcp://h:2"), "") << "one text is a one-item list";
  EXPECT_EQ(s.endpoints, std::vector<std::string>{"tcp://h:2"});
  EXPECT_EQ(assignText(*b.spec, b.field, ""), "");
  EXPECT_TRUE(s.endpoints.empty());
}

TEST(ConfigValues, FormatsValuesAsYaml) {
  Sample s;
  s.outerOther = "";
  EXPECT_EQ(formatValue(field(s, "count").field), "4");
  EXPECT_EQ(formatValue(field(s, "verbose").field), "false");
  EXPECT_EQ(formatValue(field(s, "ratio").field), "0.5");
  EXPECT_EQ(formatValue(field(s, "quiet").field), "150");
  EXPECT_EQ(formatValue(field(s, "endpoints").field), "[tcp://127.0.0.1:7301]");
  EXPECT_EQ(formatValue(field(s, "dir").field), "/var/lib/sample");
  EXPECT_EQ(formatValue(field(s, "outer.other").field), "\"\"");
}

TEST(ConfigChecks, Endpoints) {
  auto connect = checks::endpoint();
  for (const char* ok : {"tcp://127.0.0.1:7301", "tcp://[::1]:1", "tcp://broker.example:65535",
                         "ipc:///run/drover/broker", "inproc://bus", "tcp://*:*"}) {
    EXPECT_TRUE(connect.accepts(ok)) << ok;
  }
  for (const char* bad :
       {"", "127.0.0.1:7301", "tcp://127.0.0.1", "tcp://:7301", "tcp://h:0", "tcp://h:65536",
        "tcp://h:http", "ipc://", "inproc://", "udp://h:1", "tcp://h :1"}) {
    EXPECT_FALSE(connect.accepts(bad)) << bad;
  }
  EXPECT_FALSE(checks::bindEndpoint().accepts("inproc://bus"));
  EXPECT_TRUE(checks::bindEndpoint().accepts("tcp://127.0.0.1:*"));
  EXPECT_TRUE(checks::optionalBindEndpoint().accepts(""));
}

TEST(ConfigChecks, NamesAndLevels) {
  EXPECT_TRUE(checks::collectiveName().accepts("eu-west_1"));
  EXPECT_FALSE(checks::collectiveName().accepts("eu.west"));
  EXPECT_FALSE(checks::collectiveName().accepts(""));
  EXPECT_TRUE(checks::identity().accepts("web01.example.com"));
  EXPECT_FALSE(checks::identity().accepts("web 01"));
  EXPECT_TRUE(checks::logLevel().accepts("warn"));
  EXPECT_FALSE(checks::logLevel().accepts("warning"));
}

TEST(ConfigChecks, ClosestMatchSuggestsOnlyLikelyTypos) {
  std::vector<std::string> keys{"workers", "queue_limit", "broker.publish", "broker"};
  EXPECT_EQ(closestMatch("workrs", keys), "workers");
  EXPECT_EQ(closestMatch("queue-limit", keys), "queue_limit");
  EXPECT_EQ(closestMatch("broker.publsh", keys), "broker.publish");
  EXPECT_EQ(closestMatch("colour", keys), "");
  EXPECT_EQ(closestMatch("x", keys), "");
}

}  // namespace
}  // namespace drover::config
