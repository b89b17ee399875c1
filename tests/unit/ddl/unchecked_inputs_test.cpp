// Inputs whose DDL asks for a check this Drover does not know (a validator a plugin
// brings along, a type): the DDL loads with a warning, as Choria loads it, and every value sent
// for such an input is checked for what can be checked and then refused, since the agent
// may rely on the check that cannot run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ddl/loader.hpp"
#include "core/ddl/plugin_doc.hpp"
#include "core/ddl/validator.hpp"

namespace drover::ddl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const char* const kProbe = R"({
  "metadata": {"name": "probe"},
  "actions": [{
    "action": "connect",
    "input": {
      "target": {"type": "string", "maxlength": 8, "validation": "probe_fqdn"},
      "mode":   {"type": "list", "optional": true, "list": ["tcp", "udp"], "validation": "probe_mode"},
      "count":  {"type": "integer", "optional": true, "validation": "probe_count"},
      "via":    {"type": "string", "optional": true, "default": "", "validation": "probe_fqdn"},
      "port":   {"type": "integer", "optional": true}
    }
  }]
})";

const Ddl& probe() {
  static const Ddl ddl = parseText(kProbe, "probe.json");
  return ddl;
}

std::vector<std::string> rules(Json args) {
  std::vector<std::string> out;
  for (const auto& v : validate(probe().actions[0], args)) out.push_back(v.input + ":" + v.rule);
  return out;
}

TEST(DdlUncheckedInput, LoadsWithAWarningPerInput) {
  auto warning = [](const std::string& input, const std::string& validator) {
    return "probe.json: actions[0].input." + input + ".validation: validator '" + validator +
           "' is unknown to this Drover: every value sent for input '" + input + "' is refused";
  };
  // via's default "" is not warned about a second time.
  EXPECT_THAT(probe().warnings,
              ElementsAre(warning("target", "probe_fqdn"), warning("mode", "probe_mode"),
                          warning("count", "probe_count"), warning("via", "probe_fqdn")));
  EXPECT_TRUE(refusesEveryValue(*probe().actions[0].findInput("target")));
  EXPECT_FALSE(refusesEveryValue(*probe().actions[0].findInput("port")));
}

TEST(DdlUncheckedInput, AValueIsRefusedNamingTheInputAndTheValidator) {
  Json args = {{"target", "node1"}};
  auto violations = validate(probe().actions[0], args);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].input, "target");
  EXPECT_EQ(violations[0].rule, "unknown_validator");
  EXPECT_EQ(violations[0].message,
            "input 'target' uses validator 'probe_fqdn', which this Drover does not know: "
            "values for it are refused");
}

TEST(DdlUncheckedInput, WhatCanBeCheckedIsCheckedFirst) {
  EXPECT_THAT(rules({{"target", "much-too-long"}}),
              ElementsAre("target:maxlength", "target:unknown_validator"));
  EXPECT_THAT(rules({{"target", 5}}), ElementsAre("target:type"));
  EXPECT_THAT(rules({{"target", "a"}, {"mode", "icmp"}}),
              ElementsAre("target:unknown_validator", "mode:list", "mode:unknown_validator"));
}

TEST(DdlUncheckedInput, ValuesOfEveryTypeAreRefused) {
  // Named validators check strings only; an unknown one cannot be assumed not to matter.
  EXPECT_THAT(rules({{"target", "a"}, {"count", 3}}),
              ElementsAre("target:unknown_validator", "count:unknown_validator"));
}

TEST(DdlUncheckedInput, LeavingTheInputOutIsValid) {
  EXPECT_THAT(rules({{"port", 80}}), ElementsAre("target:required"));
  Json args = {{"target", nullptr}, {"via", nullptr}, {"port", 80}};
  EXPECT_THAT(rules(args), ElementsAre("target:required"));
  Json optionalOnly = Json::object();
  const Ddl ddl = parseText(R"({"metadata": {"name": "probe"}, "actions": [{"action": "ping",
      "input": {"via": {"type": "string", "optional": true, "default": "gw",
                        "validation": "probe_fqdn"}}}]})",
                            "t.json");
  EXPECT_THAT(validate(ddl.actions[0], optionalOnly), IsEmpty());
  applyDefaults(ddl.actions[0], optionalOnly);
  EXPECT_EQ(optionalOnly, Json({{"via", "gw"}}));  // the DDL author's word, as for any input
}

TEST(DdlUncheckedInput, AnUnknownTypeRefusesEveryValueToo) {
  const Ddl ddl = parseText(R"({"metadata": {"name": "probe"}, "actions": [{"action": "ping",
      "input": {"size": {"type": "bytes", "optional": true, "maxlength": 4},
                "port": {"type": "integer", "optional": true}}}]})",
                            "t.json");
  const Action& ping = ddl.actions[0];
  EXPECT_TRUE(refusesEveryValue(*ping.findInput("size")));
  for (Json value : {Json("1k"), Json(1024), Json::object(), Json::array()}) {
    Json args = {{"size", value}};
    auto violations = validate(ping, args);
    ASSERT_EQ(violations.size(), 1u) << value;
    EXPECT_EQ(violations[0].rule, "unknown_type");
    EXPECT_EQ(violations[0].message,
              "input 'size' has type 'bytes', which this Drover does not know: values for it "
              "are refused");
  }
  Json tooLong = {{"size", "10000k"}};
  EXPECT_EQ(validate(ping, tooLong).at(0).rule, "maxlength");
  Json without = {{"port", 80}};
  EXPECT_THAT(validate(ping, without), IsEmpty());
  EXPECT_THAT(pluginDoc(ddl), HasSubstr("                     Type: 'bytes' (unknown)\n"));
}

TEST(DdlUncheckedInput, AnEmptyTypeNameIsUnknownToo) {
  // Choria refuses values of type "" as unsupported; it is not a way to say "any".
  const Ddl ddl = parseText(R"({"metadata": {"name": "probe"}, "actions": [{"action": "ping",
      "input": {"size": {"type": "", "optional": true}}}]})",
                            "t.json");
  const Input& size = *ddl.actions[0].findInput("size");
  EXPECT_EQ(size.unknownType, "");
  EXPECT_TRUE(refusesEveryValue(size));
  Json args = {{"size", "1k"}};
  EXPECT_EQ(validate(ddl.actions[0], args).at(0).message,
            "input 'size' has type '', which this Drover does not know: values for it are "
            "refused");
  EXPECT_EQ(ddl.warnings.size(), 1u);
}

TEST(DdlUncheckedInput, PluginDocShowsTheValidatorAndListsTheWarning) {
  std::string doc = pluginDoc(probe());
  EXPECT_THAT(doc, HasSubstr("               Validation: probe_fqdn\n"));
  EXPECT_THAT(doc, HasSubstr("WARNINGS:\n=========\n   probe.json: actions[0].input.target"));
}

}  // namespace
}  // namespace drover::ddl
