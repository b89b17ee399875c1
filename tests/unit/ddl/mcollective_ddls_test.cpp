// MCollective's own DDLs, as Debian's mcollective-common installs them (listed in
// scripts/install-deps.sh): every agent DDL converts with `drover ddl import`, loads, shows
// in `plugin doc`, and takes and refuses the requests MCollective does. MCollective itself
// gives its verdict on the same requests: data/ruby/validate_requests.rb runs its DDL code
// (installed with it), so the comparison does not rest on reading its source. The plugin
// DDLs of other kinds (data, discovery, validator, aggregate, connector) are refused with
// an error naming the file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/ddl/loader.hpp"
#include "core/ddl/plugin_doc.hpp"
#include "core/ddl/ruby_import.hpp"
#include "core/ddl/validator.hpp"
#include "core/util/subprocess.hpp"

namespace drover::ddl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const fs::path kMcollective = "/usr/lib/ruby/vendor_ruby/mcollective";
const fs::path kData = fs::path(DROVER_SOURCE_DIR) / "tests/unit/ddl/data/ruby";

struct Request {
  std::string action;
  Json args;
  bool valid;  // what the request is built to be
};

std::vector<fs::path> ddlFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".ddl") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// MCollective's verdict on each request: "ok" or "refused: why".
std::vector<std::string> mcollectiveVerdicts(const fs::path& ddl,
                                             const std::vector<Request>& requests) {
  std::string lines;
  for (const auto& request : requests) {
    lines += Json::array({request.action, request.args}).dump() + "\n";
  }
  auto result = util::runProcess({"ruby", (kData / "validate_requests.rb").string(), ddl.string()},
                                 lines, std::chrono::seconds(120));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  std::vector<std::string> out;
  std::istringstream stream(result.out);
  for (std::string line; std::getline(stream, line);) out.push_back(line);
  return out;
}

std::string droverVerdict(const Ddl& ddl, const Request& request) {
  const Action* action = ddl.findAction(request.action);
  if (action == nullptr) return "refused: no such action";
  Json args = request.args;
  auto violations = validate(*action, args);
  return violations.empty() ? "ok" : "refused: " + violations.front().message;
}

// A value each validation of MCollective's DDLs takes, and one it refuses. A DDL that
// brings a new validation fails the test below until a row is added here.
const std::map<std::string, std::pair<std::string, std::string>>& stringValues() {
  static const std::map<std::string, std::pair<std::string, std::string>> table{
      {"^[\\w\\-\\.]+$", {"operatingsystem", "os name"}},
      {"^\\s*[\\w\\.\\-]+(\\s*,\\s*[\\w\\.\\-]+)*$", {"os, kernel", "os;kernel"}},
      {"^.+$", {"collectives", ""}},
      {"^\\w+$", {"fstat", "no-dash"}},
  };
  return table;
}

// A valid value of `input` and one of the right type that its rules refuse.
std::pair<Json, Json> values(const Input& input) {
  switch (input.type) {
    case InputType::String: {
      auto row = stringValues().find(input.validation);
      if (row == stringValues().end()) {
        ADD_FAILURE() << "no test values for validation '" << input.validation << "' of input "
                      << input.name;
        return {"x", nullptr};
      }
      return {row->second.first, row->second.second};
    }
    case InputType::List: return {input.list.front(), "not-" + input.list.front()};
    case InputType::Boolean: return {true, nullptr};
    case InputType::Integer: return {3, nullptr};
    default: return {1.5, nullptr};
  }
}

// A value of another type than the input's.
Json wrongType(const Input& input) {
  return input.type == InputType::String || input.type == InputType::List ? Json(5) : Json("5");
}

// For each action: a call with every input valid, one with only the required ones, and
// calls that leave out a required input or give one a wrong type or a refused value.
std::vector<Request> requestsFor(const Ddl& ddl) {
  std::vector<Request> out;
  for (const auto& action : ddl.actions) {
    Json all = Json::object();
    Json required = Json::object();
    for (const auto& input : action.inputs) {
      all[input.name] = values(input).first;
      if (!input.optional) required[input.name] = values(input).first;
    }
    out.push_back({action.name, all, true});
    out.push_back({action.name, required, true});
    for (const auto& input : action.inputs) {
      Json args = all;
      if (!input.optional) {
        args.erase(input.name);
        out.push_back({action.name, args, false});
      }
      args[input.name] = wrongType(input);
      out.push_back({action.name, args, false});
      if (Json refused = values(input).second; !refused.is_null()) {
        args[input.name] = refused;
        out.push_back({action.name, args, false});
      }
    }
  }
  return out;
}

TEST(McollectiveDdls, AreInstalled) {
  ASSERT_TRUE(fs::is_directory(kMcollective / "agent"))
      << kMcollective << " is missing: install mcollective-common (scripts/install-deps.sh)";
}

TEST(McollectiveDdls, EveryAgentDdlConvertsLoadsAndIsDocumented) {
  if (!fs::is_directory(kMcollective / "agent")) GTEST_SKIP() << "see AreInstalled";
  auto files = ddlFiles(kMcollective / "agent");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    ImportedDdl imported = importRubyDdlFile(file);
    EXPECT_EQ(imported.agent, file.stem().string());
    EXPECT_FALSE(imported.ddl.actions.empty());
    EXPECT_EQ(parseText(imported.json, "again").actions.size(), imported.ddl.actions.size());
    std::string doc = pluginDoc(imported.ddl);
    for (const auto& action : imported.ddl.actions) EXPECT_THAT(doc, HasSubstr(action.name));
  }
}

TEST(McollectiveDdls, TakeAndRefuseWhatMcollectiveDoes) {
  if (!fs::is_directory(kMcollective / "agent")) GTEST_SKIP() << "see AreInstalled";
  std::size_t refusals = 0;
  for (const auto& file : ddlFiles(kMcollective / "agent")) {
    ImportedDdl imported = importRubyDdlFile(file);
    auto requests = requestsFor(imported.ddl);
    auto verdicts = mcollectiveVerdicts(file, requests);
    ASSERT_EQ(verdicts.size(), requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      SCOPED_TRACE(file.string() + " " + requests[i].action + " " + requests[i].args.dump());
      std::string drover = droverVerdict(imported.ddl, requests[i]);
      EXPECT_EQ(drover == "ok", requests[i].valid) << drover;
      EXPECT_EQ(verdicts[i] == "ok", requests[i].valid) << verdicts[i];
      refusals += requests[i].valid ? 0 : 1;
    }
  }
  EXPECT_GE(refusals, 10u);  // rpcutil alone gives 17: the test checks refusals, not only passes
}

TEST(McollectiveDdls, OtherPluginDdlsAreRefusedByName) {
  if (!fs::is_directory(kMcollective / "agent")) GTEST_SKIP() << "see AreInstalled";
  std::size_t others = 0;
  for (const auto& file : ddlFiles(kMcollective)) {
    if (file.parent_path().filename() == "agent") continue;
    SCOPED_TRACE(file.string());
    ++others;
    try {
      importRubyDdlFile(file);
      ADD_FAILURE() << "converted";
    } catch (const ImportError& e) {
      EXPECT_THAT(e.what(), MatchesRegex(file.string() + ":[0-9]+: .*"));
      EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("only agent DDLs can be imported"),
                                             HasSubstr("declares no action: not an agent DDL")));
    }
  }
  EXPECT_GE(others, 19u);  // mcollective-common 2.12.5 ships 19 besides rpcutil
}

// The importer's own fixture, given to MCollective too: where the verdicts differ, it is
// one of the differences ruby_import.hpp documents, and the test names each one.
TEST(McollectiveDdls, DifferOnlyWhereDocumented) {
  if (!fs::is_directory(kMcollective / "agent")) GTEST_SKIP() << "see AreInstalled";
  const fs::path deployer = kData / "deployer.ddl";
  ImportedDdl imported = importRubyDdlFile(deployer);
  Json base = {{"release", "a"}};
  auto with = [&](const std::string& key, Json value) {
    Json args = base;
    args[key] = std::move(value);
    return args;
  };
  // request, MCollective's verdict, Drover's verdict (true: taken)
  std::vector<std::tuple<Request, bool, bool>> cases{
      {{"deploy", base, true}, true, true},
      {{"deploy", Json::object(), false}, false, false},
      {{"deploy", with("release", 5), false}, false, false},
      {{"deploy", with("release", "a b"), false}, false, false},
      {{"deploy", with("release", std::string(41, 'a')), false}, false, false},
      {{"deploy", with("environment", "dev"), false}, false, false},
      {{"deploy", with("host", "10.0.0"), false}, false, false},
      {{"deploy", with("host", "10.0.0.1"), true}, true, true},
      {{"deploy", with("tag", "V2"), true}, true, true},
      {{"deploy", with("tag", "2"), false}, false, false},
      {{"deploy", with("command", "ls; rm -rf /"), false}, false, false},
      {{"deploy", with("batch", "5"), false}, false, false},
      {{"deploy", with("force", "yes"), false}, false, false},
      {{"deploy", with("mode", "fest"), false}, false, false},
      {{"deploy", with("mode", "slow"), true}, true, true},
      {{"deploy", with("address6", "fe80::1"), true}, true, true},
      {{"status", Json::object(), true}, true, true},
      // The documented differences:
      {{"deploy", with("release", "ok\nrm -rf"), false}, true, false},   // ^ $ per line in Ruby
      {{"deploy", with("command", "a & b"), false}, true, false},        // stricter shellsafe
      {{"deploy", with("ratio", 1), true}, false, true},                 // float takes 1
      {{"deploy", with("options", Json::object()), true}, false, true},  // :hash as in Choria
      {{"deploy", with("colour", "red"), false}, true, false},  // undeclared inputs refused
  };
  std::vector<Request> requests;
  for (const auto& c : cases) requests.push_back(std::get<0>(c));
  auto verdicts = mcollectiveVerdicts(deployer, requests);
  ASSERT_EQ(verdicts.size(), requests.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(requests[i].action + " " + requests[i].args.dump());
    EXPECT_EQ(verdicts[i] == "ok", std::get<1>(cases[i])) << verdicts[i];
    std::string drover = droverVerdict(imported.ddl, requests[i]);
    EXPECT_EQ(drover == "ok", std::get<2>(cases[i])) << drover;
  }
}

}  // namespace
}  // namespace drover::ddl
