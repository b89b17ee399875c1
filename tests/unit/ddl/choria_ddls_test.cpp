// Every DDL the Choria project publishes for its agents (tests/unit/ddl/data/choria) loads
// and takes the calls Choria takes: one with a valid value for every input, and one that
// sends nothing for the optional inputs. The valid values come from the table below,
// written from each validation's meaning, not from Drover's validator.
// One exception, by design: an input whose validator (or type) this Drover does not know
// takes no value at all (validator.hpp, refusesEveryValue). Such an input is skipped by
// the "valid value" checks, and only that way: it gets a placeholder value, which must be
// refused for that one reason, and every other input of the call must pass as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/ddl/loader.hpp"
#include "core/ddl/validator.hpp"

namespace drover::ddl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const fs::path kChoriaDir = fs::path(DROVER_SOURCE_DIR) / "tests/unit/ddl/data/choria";

// The agents go-choria ships DDLs for (internal/fs/ddl/cache/agent/*.json).
const std::vector<std::string> kGoChoriaAgents{"aaa_signer",  "choria_provision", "choria_registry",
                                               "choria_util", "executor",         "rpcutil",
                                               "scout"};

// The choria-plugins agents that publish a JSON DDL (files/mcollective/agent/*.json).
const std::vector<std::string> kPluginAgents{"filemgr", "iptables", "nettest", "nrpe", "package",
                                             "process", "puppet",   "service", "shell"};

std::vector<std::string> fixtureAgents() {
  std::vector<std::string> agents;
  for (const auto& entry : fs::directory_iterator(kChoriaDir)) {
    if (entry.path().extension() == ".json") agents.push_back(entry.path().stem().string());
  }
  std::sort(agents.begin(), agents.end());
  return agents;
}

// A value each validation found in these DDLs accepts. A DDL that brings a new one
// fails the test below until a value is added here.
const std::map<std::string, std::string>& validStrings() {
  static const std::map<std::string, std::string> table{
      {"", "any text at all"},
      {".", "x"},
      {".+", "1.2.3"},
      {".*", ""},
      {"^.+$", "a value"},
      {"^\\w+$", "fstat"},
      {"^[\\w]+$", "rpcutil"},
      {"^{.+}$", R"({"plugin.choria.srv_domain": "example.net"})"},
      {"^-----BEGIN CERTIFICATE-----",
       "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
      {"-----BEGIN RSA PRIVATE KEY-----",
       "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"},
      {"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]).)*"
       "([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$",
       "node1.example.net"},
      {"^[A-Z]{2}$", "NL"},
      {"^[\\w\\s-]+$", "North Holland"},
      {"^http(s*)://", "https://repo.example.net/choria"},
      {"^.+-.+-.+-.+-.+$", "0f8fad5b-d9cb-469f-a165-70867728950e"},
      {"^[a-zA-Z][a-zA-Z0-9_-]+", "check_disk"},
      {"^[a-zA-Z][a-zA-Z0-9_-]+$", "recover"},
      {"^\\d+\\.\\d+\\.\\d+$", "1.0.0"},
      {"^\\s*[\\w\\.\\-]+(\\s*,\\s*[\\w\\.\\-]+)*$", "os.family, kernel"},
      {"shellsafe", "nginx"},
      {"puppet_variable", "production"},
      {"puppet_tags", "apache,ntp::config"},
      {"puppet_server_address", "puppet.example.net:8140"},
      {"service_name", "sshd"},
      {"ipaddress", "192.0.2.10"},
      {"nettest_fqdn", "node1.example.net"},
      {"^[0-9a-z\\-]*$", "0f8fad5b-d9cb-469f-a165-70867728950e"},
      {"\\A[a-zA-Z0-9_-]+\\z", "check_load"},
  };
  return table;
}

Json validValue(const Input& input) {
  if (refusesEveryValue(input)) return "refused whatever it is";
  switch (input.type) {
    case InputType::Integer: return 30;
    case InputType::Float:
    case InputType::Number: return 2.5;
    case InputType::Boolean: return true;
    case InputType::Hash: return Json::object({{"key", "value"}});
    case InputType::Array: return Json::array({"one"});
    case InputType::List: return input.list.back();
    default: break;
  }
  auto it = validStrings().find(input.validation);
  if (it == validStrings().end()) {
    ADD_FAILURE() << "no sample value for validation '" << input.validation << "' of input "
                  << input.name;
    return "";
  }
  return it->second;
}

// Every input given a valid value, or only the required ones.
Json call(const Action& action, bool optionalToo) {
  Json args = Json::object();
  for (const auto& input : action.inputs) {
    if (optionalToo || !input.optional) args[input.name] = validValue(input);
  }
  return args;
}

std::string messages(const std::vector<Violation>& violations) {
  std::string out;
  for (const auto& v : violations) out += v.message + "\n";
  return out;
}

bool isRefusalOfUncheckedInput(const Action& action, const Violation& violation) {
  const Input* input = action.findInput(violation.input);
  return input != nullptr && refusesEveryValue(*input) &&
         (violation.rule == "unknown_validator" || violation.rule == "unknown_type");
}

// A call of valid values: nothing is wrong with it but the refusal of each input given
// that takes no value, for that reason.
void expectOnlyRefusals(const Action& action, Json args) {
  std::set<std::string> expected, refused;
  for (const auto& input : action.inputs) {
    if (args.contains(input.name) && refusesEveryValue(input)) expected.insert(input.name);
  }
  std::vector<Violation> others;
  for (auto& violation : validate(action, args)) {
    if (isRefusalOfUncheckedInput(action, violation))
      refused.insert(violation.input);
    else
      others.push_back(std::move(violation));
  }
  EXPECT_THAT(others, IsEmpty()) << action.name << ": " << args << "\n" << messages(others);
  EXPECT_EQ(refused, expected) << action.name;
}

// What validate() finds wrong with `args` beyond the refusal of inputs that take no value.
std::vector<Violation> unexpected(const Action& action, Json args) {
  std::vector<Violation> out;
  for (auto& violation : validate(action, args)) {
    if (!isRefusalOfUncheckedInput(action, violation)) out.push_back(std::move(violation));
  }
  return out;
}

TEST(DdlChoriaPublished, EveryGoChoriaAndPluginAgentDdlIsAFixture) {
  std::vector<std::string> present = fixtureAgents();
  for (const auto* agents : {&kGoChoriaAgents, &kPluginAgents}) {
    for (const auto& agent : *agents) {
      EXPECT_TRUE(std::binary_search(present.begin(), present.end(), agent)) << agent;
    }
  }
}

class DdlChoriaPublishedFile : public ::testing::TestWithParam<std::string> {
 protected:
  Ddl load() const { return loadFile(kChoriaDir / (GetParam() + ".json")); }
};

TEST_P(DdlChoriaPublishedFile, Loads) {
  Ddl ddl;
  try {
    ddl = load();
  } catch (const LoadError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(ddl.metadata.name, GetParam());
  EXPECT_FALSE(ddl.actions.empty());
  // They follow Choria's schema, every key of which this Drover knows.
  for (const auto& warning : ddl.warnings) EXPECT_THAT(warning, Not(HasSubstr("key unknown")));
}

TEST_P(DdlChoriaPublishedFile, EveryActionTakesAValidValueForEveryInput) {
  for (const auto& action : load().actions) expectOnlyRefusals(action, call(action, true));
}

TEST_P(DdlChoriaPublishedFile, EveryActionTakesACallWithoutItsOptionalInputs) {
  for (const auto& action : load().actions) expectOnlyRefusals(action, call(action, false));
}

TEST_P(DdlChoriaPublishedFile, AValueOfTheWrongTypeIsStillRefused) {
  for (const auto& action : load().actions) {
    for (const auto& input : action.inputs) {
      if (input.type == InputType::Any) continue;
      Json args = call(action, false);
      args[input.name] = input.type == InputType::Hash ? Json::array() : Json::object();
      auto violations = unexpected(action, args);
      ASSERT_EQ(violations.size(), 1u) << action.name << "." << input.name;
      EXPECT_EQ(violations[0].input, input.name);
      EXPECT_EQ(violations[0].rule, "type");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DdlChoriaPublishedFile, ::testing::ValuesIn(fixtureAgents()));

// ---- plugin DDLs: their own aggregate functions, nettest's own validator ----------------

TEST(DdlChoriaPlugins, TheirOwnAggregateFunctionsAreSkippedWithAWarning) {
  const std::map<std::string, std::string> own{
      {"nettest", "actions[1].aggregate[0].function: aggregate function 'nettest_mma'"},
      {"nrpe", "actions[1].aggregate[0].function: aggregate function 'nagios_states'"},
      {"process", "actions[0].aggregate[0].function: aggregate function 'process_summary'"}};
  for (const auto& [agent, where] : own) {
    Ddl ddl = loadFile(kChoriaDir / (agent + ".json"));
    ASSERT_EQ(ddl.warnings.size(), 1u) << agent;
    EXPECT_EQ(ddl.warnings[0],
              ddl.source + ": " + where + " is unknown to this Drover: no summary is shown for it");
  }
  Ddl nettest = loadFile(kChoriaDir / "nettest.json");
  EXPECT_TRUE(nettest.findAction("ping")->aggregates.empty());
  ASSERT_EQ(nettest.findAction("connect")->aggregates.size(), 1u);
  EXPECT_EQ(nettest.findAction("connect")->aggregates[0].output, "connect_status");
}

TEST(DdlChoriaPlugins, NettestChecksItsTargets) {
  Ddl nettest = loadFile(kChoriaDir / "nettest.json");
  const Action& connect = *nettest.findAction("connect");
  Json good = {{"fqdn", "db1.example.net"}, {"port", 5432}};
  EXPECT_THAT(validate(connect, good), IsEmpty());
  Json address = {{"fqdn", "192.0.2.7"}, {"port", 22}};
  EXPECT_THAT(validate(connect, address), IsEmpty());
  Json injected = {{"fqdn", "example.net; reboot"}, {"port", 22}};
  auto violations = validate(connect, injected);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].message,
            "input 'fqdn' fails validation 'nettest_fqdn': is not an IPv4 address or a hostname");
}

// ---- choria_provision: upper-case input names and defaults that break their rule --------

class DdlChoriaProvision : public ::testing::Test {
 protected:
  const Action& action(const std::string& name) const { return *ddl_.findAction(name); }

  Ddl ddl_ = loadFile(kChoriaDir / "choria_provision.json");
};

TEST_F(DdlChoriaProvision, GencsrTakesTheSubjectFieldsByTheirUpperCaseNames) {
  Json args = {{"token", "s3cret"},    {"cn", "node1.example.net"}, {"C", "NL"},
               {"L", "Amsterdam"},     {"O", "Example Corp"},       {"OU", "Platform"},
               {"ST", "North Holland"}};
  EXPECT_THAT(validate(action("gencsr"), args), IsEmpty());
  for (const char* name : {"C", "L", "O", "OU", "ST"}) {
    EXPECT_NE(action("gencsr").findInput(name), nullptr) << name;
  }
}

TEST_F(DdlChoriaProvision, GencsrStillChecksTheSubjectFields) {
  Json args = {{"token", "s3cret"}, {"C", "nl"}, {"OU", "a;b"}};
  auto violations = validate(action("gencsr"), args);
  ASSERT_EQ(violations.size(), 2u) << messages(violations);
  EXPECT_EQ(violations[0].message,
            "input 'C' fails validation 'regex': does not match /^[A-Z]{2}$/");
  EXPECT_EQ(violations[1].input, "OU");
  // Names are case-sensitive, as in Choria: 'c' is not 'C'.
  Json lower = {{"token", "s3cret"}, {"c", "NL"}};
  EXPECT_EQ(validate(action("gencsr"), lower).at(0).rule, "unknown");
}

TEST_F(DdlChoriaProvision, ConfigureWithItsDefaultsNotSentIsValid) {
  // token, ecdh_public and server_jwt default to "", which their own validation "."
  // refuses: a default is what the agent gets, not something the caller sent.
  Json args = {{"config", R"({"plugin.choria.srv_domain": "example.net"})"}};
  EXPECT_THAT(validate(action("configure"), args), IsEmpty());
}

TEST_F(DdlChoriaProvision, ConfigureChecksWhatTheCallerSends) {
  Json args = {{"config", "{}"}, {"token", ""}, {"ecdh_public", std::string(65, 'a')}};
  auto violations = validate(action("configure"), args);
  std::vector<std::string> rules;
  for (const auto& v : violations) rules.push_back(v.input + ":" + v.rule);
  EXPECT_THAT(rules,
              ::testing::ElementsAre("token:regex", "config:regex", "ecdh_public:maxlength"));
}

}  // namespace
}  // namespace drover::ddl
