// Loader: real Choria DDLs and ddl/rpcutil.json load unchanged; every schema error names
// the source and the JSON path.
#include "core/ddl/loader.hpp"
#include "tests/unit/ddl/load_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace drover::ddl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::filesystem::path kSourceDir = DROVER_SOURCE_DIR;
const std::filesystem::path kChoriaDir = kSourceDir / "tests/unit/ddl/data/choria";

std::vector<std::string> names(const auto& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.name);
  return out;
}

// ---- real DDLs ------------------------------------------------------------------------

class DdlChoriaFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(DdlChoriaFiles, LoadsUnchangedAndIsConsistent) {
  Ddl ddl = loadFile(kChoriaDir / (GetParam() + ".json"));
  EXPECT_EQ(ddl.metadata.name, GetParam());
  EXPECT_EQ(ddl.metadata.author, "R.I.Pienaar <rip@devco.net>");
  EXPECT_FALSE(ddl.actions.empty());
  for (const auto& action : ddl.actions) {
    EXPECT_EQ(ddl.findAction(action.name), &action);
    for (const auto& aggregate : action.aggregates) {
      EXPECT_NE(action.findOutput(aggregate.output), nullptr) << action.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Published, DdlChoriaFiles,
                         ::testing::Values("choria_util", "iptables", "nrpe", "package", "process",
                                           "puppet", "scout", "service"));

TEST(DdlLoader, PuppetAgentDdlKeepsFileOrderTypesAndValidators) {
  Ddl ddl = loadFile(kChoriaDir / "puppet.json");
  EXPECT_EQ(ddl.metadata.timeout, 20);
  EXPECT_EQ(ddl.metadata.version, "2.4.3");
  EXPECT_EQ(names(ddl.actions), (std::vector<std::string>{"disable", "enable", "last_run_summary",
                                                          "resource", "runonce", "status"}));
  const Action* runonce = ddl.findAction("runonce");
  ASSERT_NE(runonce, nullptr);
  EXPECT_EQ(names(runonce->inputs),
            (std::vector<std::string>{"force", "server", "tags", "skip_tags", "noop", "splay",
                                      "splaylimit", "environment", "use_cached_catalog"}));
  EXPECT_EQ(runonce->display, DisplayPolicy::Failed);
  EXPECT_EQ(runonce->findInput("splaylimit")->type, InputType::Number);
  EXPECT_EQ(runonce->findInput("server")->validation, "puppet_server_address");
  EXPECT_EQ(runonce->findInput("tags")->maxlength, 120u);
  EXPECT_TRUE(runonce->findInput("force")->optional);
  EXPECT_FALSE(runonce->findInput("force")->defaultValue.has_value());  // "default": null
  const Input* logs = ddl.findAction("last_run_summary")->findInput("logs");
  EXPECT_EQ(logs->type, InputType::Boolean);
  EXPECT_EQ(logs->defaultValue, Json(false));
}

TEST(DdlLoader, PuppetAgentAggregatesCarryTheirOptions) {
  Ddl ddl = loadFile(kChoriaDir / "puppet.json");
  const Action* summary = ddl.findAction("last_run_summary");
  ASSERT_EQ(summary->aggregates.size(), 3u);
  EXPECT_EQ(summary->aggregates[0].function, "average");
  EXPECT_EQ(summary->aggregates[0].output, "config_retrieval_time");
  EXPECT_EQ(summary->aggregates[0].args, Json({{"format", "Average: %0.2f"}}));
  const Action* status = ddl.findAction("status");
  EXPECT_EQ(status->aggregates[1].function, "boolean_summary");
  EXPECT_EQ(status->aggregates[1].args, Json({{"true", "running"}, {"false", "stopped"}}));
  EXPECT_EQ(status->findOutput("since_lastrun")->defaultValue, Json("Unknown"));
  EXPECT_EQ(summary->findOutput("logs")->defaultValue, Json::array());
}

TEST(DdlLoader, PackageAgentListInput) {
  Ddl ddl = loadFile(kChoriaDir / "package.json");
  EXPECT_EQ(ddl.actions.size(), 14u);
  const Input* mode = ddl.findAction("yum_clean")->findInput("mode");
  EXPECT_EQ(mode->type, InputType::List);
  EXPECT_EQ(mode->list, (std::vector<std::string>{"all", "headers", "packages", "metadata",
                                                  "dbcache", "plugins", "expire-cache"}));
  EXPECT_EQ(ddl.findAction("install")->findInput("package")->validation, "shellsafe");
}

TEST(DdlLoader, ScoutAndChoriaUtilMetadataAndDisplay) {
  Ddl scout = loadFile(kChoriaDir / "scout.json");
  EXPECT_EQ(scout.metadata.provider, "golang");
  EXPECT_EQ(scout.findAction("checks")->display, DisplayPolicy::Ok);
  EXPECT_EQ(scout.findAction("resume")->findInput("checks")->type, InputType::Array);
  EXPECT_EQ(scout.findAction("goss_validate")->aggregates[0].args,
            Json({{"format", "%s Tests on %d node(s)"}}));
  Ddl util = loadFile(kChoriaDir / "choria_util.json");
  EXPECT_EQ(names(util.findAction("machine_transition")->inputs),
            (std::vector<std::string>{"instance", "version", "name", "path", "transition"}));
  EXPECT_EQ(util.findAction("machine_state")->findOutput("scout")->type, "boolean");
  EXPECT_EQ(util.findAction("info")->outputs.front().displayAs, "Security Provider");
}

TEST(DdlLoader, BuiltinRpcutilDdl) {
  Ddl ddl = loadFile(kSourceDir / "ddl/rpcutil.json");
  EXPECT_EQ(ddl.metadata.name, "rpcutil");
  EXPECT_EQ(names(ddl.actions),
            (std::vector<std::string>{"ping", "inventory", "get_fact", "get_facts",
                                      "agent_inventory", "collective_info", "daemon_stats"}));
  const Input* fact = ddl.findAction("get_fact")->findInput("fact");
  EXPECT_EQ(fact->type, InputType::String);
  EXPECT_FALSE(fact->optional);
  EXPECT_EQ(fact->maxlength, 256u);
  EXPECT_EQ(fact->validation, "^[\\w\\-\\.:]+$");
  EXPECT_EQ(ddl.findAction("ping")->findOutput("pong")->type, "integer");
  EXPECT_EQ(ddl.findAction("get_facts")->findOutput("values")->type, "hash");
  EXPECT_EQ(
      names(ddl.findAction("daemon_stats")->outputs),
      (std::vector<std::string>{"uptime", "starttime", "total", "validated", "unvalidated",
                                "passed", "filtered", "replies", "ttlexpired", "refused", "busy",
                                "pid", "version", "agents", "threads", "security", "mac_checked"}));
  EXPECT_EQ(ddl.findAction("daemon_stats")->aggregates[0].output, "version");
  EXPECT_EQ(ddl.findAction("get_fact")->aggregates[0].output, "value");
}

// The lookup the CLI and the node share: the action, or an error naming agent, action
// and the actions there are.
TEST(DdlLookupAction, FindsTheActionOrSaysWhichThereAre) {
  Ddl ddl = loadFile(kSourceDir / "ddl/puppet.json");
  ActionLookup found = lookupAction(ddl, "disable");
  ASSERT_NE(found.action, nullptr);
  EXPECT_EQ(found.action->name, "disable");
  EXPECT_EQ(found.error, "");
  ActionLookup missing = lookupAction(ddl, "Disable");
  EXPECT_EQ(missing.action, nullptr);
  EXPECT_EQ(missing.error,
            "agent 'puppet' has no action 'Disable' (actions: runonce, status, "
            "last_run_summary, disable, enable)");
}

TEST(DdlLoader, ParseTakesAnAlreadyParsedDocument) {
  Json doc = {{"metadata", {{"name", "demo"}, {"timeout", 7}}},
              {"actions",
               {{{"action", "run"},
                 {"input", {{"b", {{"type", "integer"}}}, {"a", {{"type", "string"}}}}},
                 {"output", Json::object()}}}}};
  Ddl ddl = parse(doc, "inline");
  EXPECT_EQ(ddl.source, "inline");
  EXPECT_EQ(ddl.metadata.timeout, 7);
  EXPECT_EQ(names(ddl.actions[0].inputs), (std::vector<std::string>{"a", "b"}));  // sorted
  EXPECT_EQ(ddl.actions[0].display, DisplayPolicy::Failed);  // MCollective's default
}

// ---- schema errors --------------------------------------------------------------------

using testing::loadError;
using testing::withAction;

TEST(DdlLoadError, MissingRequiredKeys) {
  EXPECT_EQ(loadError(R"({"actions": []})"), "t.json: metadata: missing required key");
  EXPECT_EQ(loadError(R"({"metadata": {"description": "x"}})"),
            "t.json: metadata.name: missing required key");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a"}, "actions": [{"action": "x"}, {}]})"),
            "t.json: actions[1].action: missing required key");
  EXPECT_EQ(loadError(withAction(R"("input": {"fact": {"prompt": "Fact"}})")),
            "t.json: actions[2].input.fact.type: missing required key");
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"args": ["version"]}])")),
            "t.json: actions[2].aggregate[0].function: missing required key");
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "summary"}])")),
            "t.json: actions[2].aggregate[0].args: missing required key");
}

TEST(DdlLoadError, WrongTypeForKnownKeys) {
  EXPECT_EQ(loadError("[1]"), "t.json: document: must be a JSON object, got array");
  EXPECT_EQ(loadError(R"({"metadata": []})"), "t.json: metadata: must be an object, got array");
  EXPECT_EQ(loadError(R"({"metadata": {"name": 5}})"),
            "t.json: metadata.name: must be a string, got number");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a", "timeout": "5"}})"),
            "t.json: metadata.timeout: must be a non-negative integer, got string");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a", "timeout": -1}})"),
            "t.json: metadata.timeout: must be a non-negative integer, got number");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a", "service": "yes"}})"),
            "t.json: metadata.service: must be a boolean, got string");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a"}, "actions": {}})"),
            "t.json: actions: must be an array, got object");
  EXPECT_EQ(loadError(withAction(R"("description": 3)")),
            "t.json: actions[2].description: must be a string, got number");
  EXPECT_EQ(loadError(withAction(R"("input": [])")),
            "t.json: actions[2].input: must be an object, got array");
  EXPECT_EQ(loadError(withAction(R"("input": {"x": "string"})")),
            "t.json: actions[2].input.x: must be an object, got string");
  EXPECT_EQ(loadError(withAction(R"("input": {"x": {"type": "string", "optional": "no"}})")),
            "t.json: actions[2].input.x.optional: must be a boolean, got string");
  EXPECT_EQ(loadError(withAction(R"("input": {"x": {"type": "string", "maxlength": 1.5}})")),
            "t.json: actions[2].input.x.maxlength: must be a non-negative integer, got number");
  EXPECT_EQ(loadError(withAction(R"("input": {"x": {"type": "list", "list": ["a", 2]}})")),
            "t.json: actions[2].input.x.list[1]: must be a string, got number");
  EXPECT_EQ(loadError(withAction(R"("output": {"v": []})")),
            "t.json: actions[2].output.v: must be an object, got array");
  EXPECT_EQ(loadError(withAction(R"("aggregate": {})")),
            "t.json: actions[2].aggregate: must be an array, got object");
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "sum", "args": ["version", 3]}])")),
            "t.json: actions[2].aggregate[0].args[1]: must be an object of options, got number");
}

TEST(DdlLoadError, BadNames) {
  EXPECT_EQ(loadError(R"({"metadata": {"name": "Pup-pet"}})"),
            "t.json: metadata.name: invalid name 'Pup-pet' (use a-z, 0-9 and _)");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a"}, "actions": [{"action": "run now"}]})"),
            "t.json: actions[0].action: invalid name 'run now' (use a-z, 0-9 and _)");
  EXPECT_EQ(loadError(R"({"metadata": {"name": "a"},
                           "actions": [{"action": "x"}, {"action": "x"}]})"),
            "t.json: actions[1].action: duplicate action 'x'");
}

TEST(DdlLoader, InputAndOutputNamesTakeWhatChoriaTakes) {
  // choria_provision's gencsr has C, L, O, OU and ST; Choria reads any key as a name.
  Ddl ddl =
      parseText(withAction(R"("input": {"OU": {"type": "string"}, "Env-2.x": {"type": "string"},
                                               "a:b/c": {"type": "integer"}},
                                    "output": {"ExitCode": {}, "x-y": {}})"),
                "t.json");
  EXPECT_EQ(names(ddl.actions[2].inputs), (std::vector<std::string>{"OU", "Env-2.x", "a:b/c"}));
  EXPECT_EQ(names(ddl.actions[2].outputs), (std::vector<std::string>{"ExitCode", "x-y"}));
  std::string longest(128, 'n');
  EXPECT_NO_THROW(
      parseText(withAction(R"("input": {")" + longest + R"(": {"type": "string"}})"), "t.json"));
}

// The error for a document whose third action has one input called `name`.
std::string inputNameError(const std::string& name) {
  Json doc = {{"metadata", {{"name", "a"}}},
              {"actions",
               {{{"action", "one"}},
                {{"action", "two"}},
                {{"action", "three"}, {"input", {{name, {{"type", "string"}}}}}}}}};
  try {
    parse(doc, "t.json");
  } catch (const LoadError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(DdlLoadError, InputNamesThatCannotBeSafeKeys) {
  EXPECT_EQ(inputNameError(""), "t.json: actions[2].input.: invalid input name '': is empty");
  EXPECT_EQ(inputNameError("two words"),
            "t.json: actions[2].input.two words: invalid input name 'two words': "
            "contains whitespace at byte 4");
  EXPECT_EQ(inputNameError("tab\there"),
            "t.json: actions[2].input.tab\\x09here: invalid input name 'tab\\x09here': "
            "contains whitespace at byte 4");
  EXPECT_EQ(inputNameError("bell\a"),
            "t.json: actions[2].input.bell\\x07: invalid input name 'bell\\x07': "
            "contains a control character at byte 5");
  EXPECT_EQ(inputNameError(std::string("nul\0x", 5)),
            "t.json: actions[2].input.nul\\x00x: invalid input name 'nul\\x00x': "
            "contains a control character at byte 4");
  EXPECT_EQ(inputNameError("esc\x1b[2J"),
            "t.json: actions[2].input.esc\\x1b[2J: invalid input name 'esc\\x1b[2J': "
            "contains a control character at byte 4");
  EXPECT_EQ(inputNameError("caf\xC3\xA9"),
            "t.json: actions[2].input.caf\\xc3\\xa9: invalid input name 'caf\\xc3\\xa9': "
            "contains a non-ASCII byte at byte 4");
  EXPECT_EQ(inputNameError("a=b"),
            "t.json: actions[2].input.a=b: invalid input name 'a=b': "
            "contains '=' at byte 2, which `key=value` arguments cannot carry");
  EXPECT_THAT(inputNameError(std::string(129, 'n')),
              ::testing::EndsWith("...': is longer than 128 bytes"));
}

TEST(DdlLoadError, OutputNamesFollowTheSameRule) {
  EXPECT_EQ(loadError(withAction(R"("output": {"exit code": {}})")),
            "t.json: actions[2].output.exit code: invalid output name 'exit code': "
            "contains whitespace at byte 5");
  EXPECT_EQ(loadError(withAction(R"("output": {"": {}})")),
            "t.json: actions[2].output.: invalid output name '': is empty");
}

TEST(DdlLoader, TypeNamesInAnyCaseAsChoriaReadsThem) {
  Ddl ddl = parseText(withAction(R"("input": {"a": {"type": "String"}, "b": {"type": "INTEGER"},
                                               "c": {"type": "int"}, "d": {"type": "Hash"},
                                               "e": {"type": "Array"}, "f": {"type": "Boolean"}})"),
                      "t.json");
  const Action& action = ddl.actions[2];
  EXPECT_EQ(action.findInput("a")->type, InputType::String);
  EXPECT_EQ(action.findInput("b")->type, InputType::Integer);
  EXPECT_EQ(action.findInput("c")->type, InputType::Integer);
  EXPECT_EQ(action.findInput("d")->type, InputType::Hash);
  EXPECT_EQ(action.findInput("e")->type, InputType::Array);
  EXPECT_EQ(action.findInput("f")->type, InputType::Boolean);
}

TEST(DdlLoadError, BadDisplayPolicy) {
  EXPECT_EQ(loadError(withAction(R"("display": "sometimes")")),
            "t.json: actions[2].display: must be one of always, ok, failed; got 'sometimes'");
}

TEST(DdlLoadError, InvalidValidationRegex) {
  std::string message =
      loadError(withAction(R"("input": {"x": {"type": "string", "validation": "^([a-z]+$"}})"));
  EXPECT_THAT(message,
              StartsWith("t.json: actions[2].input.x.validation: invalid regex '^([a-z]+$': "));
  EXPECT_THAT(message, HasSubstr("missing )"));
  // Backreferences would need backtracking; RE2 refuses them.
  EXPECT_THAT(
      loadError(withAction(R"("input": {"x": {"type": "string", "validation": "(a)\\1"}})")),
      StartsWith("t.json: actions[2].input.x.validation: invalid regex '(a)\\1': "));
}

TEST(DdlLoadError, AggregateOnUnknownOutput) {
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "summary", "args": ["vesion"]}])")),
            "t.json: actions[2].aggregate[0].args[0]: unknown output 'vesion'");
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "summary", "args": []}])")),
            "t.json: actions[2].aggregate[0].args: must be an array naming an output, got array");
  EXPECT_EQ(loadError(withAction(R"("aggregate": [{"function": "summary", "args": [{}]}])")),
            "t.json: actions[2].aggregate[0].args[0]: must be an output name, got object");
}

TEST(DdlLoadError, ListWithoutValuesAndBadDefaults) {
  EXPECT_EQ(loadError(withAction(R"("input": {"mode": {"type": "list"}})")),
            "t.json: actions[2].input.mode.list: "
            "type list needs a non-empty list of allowed values");
  EXPECT_EQ(loadError(withAction(R"("input": {"count": {"type": "integer", "default": "3"}})")),
            "t.json: actions[2].input.count.default: does not match type integer");
}

TEST(DdlLoadError, JsonSyntaxErrorNamesByteOffset) {
  std::string message = loadError(R"({"metadata": {"name": "a",}})", "ddl/bad.json");
  EXPECT_THAT(message, StartsWith("ddl/bad.json: invalid JSON at byte 27: "));
  EXPECT_THAT(message, HasSubstr("syntax error"));
  EXPECT_THAT(loadError(""), StartsWith("t.json: invalid JSON at byte 1: "));
}

TEST(DdlLoadError, NestingIsBounded) {
  std::string deep =
      R"({"metadata": {"name": "a"}, "x": )" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_EQ(loadError(deep), "t.json: nesting deeper than 64 levels");
}

TEST(DdlLoadError, FileErrorsNameThePath) {
  auto missing = kSourceDir / "tests/unit/ddl/data/no_such.json";
  try {
    loadFile(missing);
    FAIL() << "loaded a missing file";
  } catch (const LoadError& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing.string()));
  }
}

}  // namespace
}  // namespace drover::ddl
