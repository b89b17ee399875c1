#include "node/external_agent.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using envelope::StatusCode;
using ::testing::HasSubstr;

const fs::path kExamples = fs::path(DROVER_SOURCE_DIR) / "agents" / "examples";
constexpr auto kExec = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                       fs::perms::others_read | fs::perms::others_exec;
constexpr auto kPlain =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "drover-external-XXXXXX").string();
    path_ = fs::canonical(::mkdtemp(pattern.data()));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void writeFile(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path) << text;
  fs::permissions(path, perms);
}

// A DDL in Choria's shape whose actions take no inputs.
std::string ddlFor(const std::string& name, const std::vector<std::string>& actions,
                   int timeout = 5) {
  Json doc = {{"$schema", "https://choria.io/schemas/mcorpc/ddl/v1/agent.json"},
              {"metadata",
               {{"name", name},
                {"description", "test agent"},
                {"author", "tests"},
                {"license", "Apache-2.0"},
                {"version", "1.0.0"},
                {"url", "https://example.org/drover"},
                {"timeout", timeout}}},
              {"actions", Json::array()}};
  for (const auto& action : actions) {
    doc["actions"].push_back({{"action", action},
                              {"description", "test action"},
                              {"display", "always"},
                              {"input", Json::object()},
                              {"output", Json::object()}});
  }
  return doc.dump(2);
}

// Writes NAME.json and an executable POSIX sh program NAME into `dir`.
void writeAgent(const fs::path& dir, const std::string& name, const std::string& script,
                const std::vector<std::string>& actions = {"run"}) {
  writeFile(dir / (name + ".json"), ddlFor(name, actions), kPlain);
  writeFile(dir / name, "#!/bin/sh\n" + script + "\n", kExec);
}

agents::Request request(const std::string& action, Json args = Json::object(),
                        std::chrono::milliseconds within = 30s) {
  agents::Request r;
  r.requestId = "0123456789abcdef0123456789abcdef";
  r.caller = "admin.example.net";
  r.action = action;
  r.args = std::move(args);
  r.deadline = std::chrono::steady_clock::now() + within;
  return r;
}

// Loads the one agent of `dir`, failing the test on any load error.
std::unique_ptr<agents::Agent> loadOnly(const fs::path& dir) {
  auto load = loadExternalAgents({dir});
  for (const auto& [file, reason] : load.errors) ADD_FAILURE() << file << ": " << reason;
  if (load.agents.size() != 1) {
    ADD_FAILURE() << "expected one agent in " << dir << ", got " << load.agents.size();
    return nullptr;
  }
  return std::move(load.agents.front());
}

// Runs the single action "run" of a one-off sh agent.
agents::Reply runScript(const std::string& script) {
  TempDir dir;
  writeAgent(dir.path(), "probe", script);
  auto agent = loadOnly(dir.path());
  if (!agent) return {{StatusCode::UnknownError, "not loaded"}, Json::object()};
  return agent->handle(request("run"));
}

class ExternalAgentEcho : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = loadOnly(kExamples);
    ASSERT_NE(agent_, nullptr);
    ASSERT_EQ(agent_->name(), "echo");
  }
  std::unique_ptr<agents::Agent> agent_;
};

TEST_F(ExternalAgentEcho, RepliesOkWithData) {
  auto reply = agent_->handle(request("echo", {{"message", "hello"}}));
  EXPECT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["message"], "hello");
  EXPECT_EQ(reply.data["length"], 5);
}

TEST_F(ExternalAgentEcho, EchoesShellMetacharactersLiterally) {
  TempDir dir;
  const std::string victim = (dir.path() / "pwned").string();
  const std::string hostile = "$(touch " + victim + "); `touch " + victim + "`; rm -rf " +
                              dir.path().string() + " && echo * | cat > " + victim;
  auto reply = agent_->handle(request("echo", {{"message", hostile}}));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["message"], hostile);
  EXPECT_FALSE(fs::exists(victim));
  EXPECT_TRUE(fs::exists(dir.path()));
}

TEST_F(ExternalAgentEcho, ReportsMalformedOutputWithoutCrashing) {
  auto reply = agent_->handle(request("garbage"));
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("produced malformed output: "));
}

// The request allows 30 s and the program would sleep 30 s: the message says the DDL's
// 2 s timeout is what ended it.
TEST_F(ExternalAgentEcho, KillsAProgramThatOutlivesTheDdlTimeout) {
  auto reply = agent_->handle(request("sleep", {{"seconds", 30}}));
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("timed out after 2 s (process group killed)"));
}

TEST_F(ExternalAgentEcho, StopsAtTheRequestDeadlineWhenItIsSooner) {
  auto reply = agent_->handle(request("sleep", {{"seconds", 30}}, 300ms));
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("timed out after 0.3 s"));
}

TEST_F(ExternalAgentEcho, ReportsFailureAsAbortedWithTheMessage) {
  auto reply = agent_->handle(request("fail", {{"message", "disk on fire"}}));
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_EQ(reply.status.message, "disk on fire");
  EXPECT_EQ(reply.data["message"], "disk on fire");
}

TEST(ExternalAgentProtocol, SendsTheRequestDocumentArgvEnvironmentAndDirectory) {
  TempDir dir;
  writeAgent(dir.path(), "probe",
             "read -r line\n"
             "printf '{\"data\":{\"stdin\":%s,\"argv\":\"%s %s\",\"env\":\"%s\",\"cwd\":\"%s\"}}' "
             "\"$line\" \"$0\" \"$*\" \"$(env | grep -v -e ^PWD= -e ^SHLVL= -e ^_= | sort | tr "
             "'\\n' ' ')\" "
             "\"$(pwd)\"");
  auto agent = loadOnly(dir.path());
  ASSERT_NE(agent, nullptr);
  auto reply = agent->handle(request("run", {{"n", 1}}));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  Json expected = {{"protocol", "drover.external/1"},
                   {"agent", "probe"},
                   {"action", "run"},
                   {"request_id", "0123456789abcdef0123456789abcdef"},
                   {"caller", "admin.example.net"},
                   {"args", {{"n", 1}}}};
  EXPECT_EQ(reply.data["stdin"], expected);
  EXPECT_EQ(reply.data["argv"], (dir.path() / "probe").string() + " run");
  EXPECT_EQ(reply.data["cwd"], dir.path().string());
  EXPECT_EQ(reply.data["env"],
            "DROVER_ACTION=run DROVER_AGENT=probe "
            "DROVER_REQUEST_ID=0123456789abcdef0123456789abcdef LANG=C.UTF-8 "
            "PATH=/usr/bin:/bin ");  // less what the shell itself adds
}

TEST(ExternalAgentProtocol, TheProgramGetsTheDefaultsOfInputsTheCallerLeftOut) {
  // As in Choria's choria_provision DDL, token's default "" fails its own validation:
  // the program still gets it, since defaults are the DDL's word, not the caller's.
  Json ddl = Json::parse(ddlFor("probe", {"run"}));
  ddl["actions"][0]["input"] = {
      {"token",
       {{"type", "string"},
        {"optional", true},
        {"default", ""},
        {"validation", "."},
        {"maxlength", 128}}},
      {"count", {{"type", "integer"}, {"optional", true}, {"default", 3}}},
      {"given", {{"type", "string"}, {"optional", true}, {"default", "from the DDL"}}},
      {"bare", {{"type", "string"}, {"optional", true}}}};
  TempDir dir;
  writeFile(dir.path() / "probe.json", ddl.dump(2), kPlain);
  writeFile(dir.path() / "probe",
            "#!/bin/sh\nread -r line\nprintf '{\"data\":{\"stdin\":%s}}' \"$line\"\n", kExec);
  auto agent = loadOnly(dir.path());
  ASSERT_NE(agent, nullptr);
  auto reply = agent->handle(request("run", {{"given", "from the caller"}}));
  ASSERT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data["stdin"]["args"],
            Json({{"token", ""}, {"count", 3}, {"given", "from the caller"}}));
}

TEST(ExternalAgentProtocol, FallsBackToTheLastStderrLineThenTheStatus) {
  auto reply = runScript("echo first >&2; echo 'disk full' >&2; echo >&2; exit 2");
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_EQ(reply.status.message, "disk full");
  reply = runScript("exit 4");
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_EQ(reply.status.message, "exited with status 4");
}

TEST(ExternalAgentProtocol, TreatsAnErrorKeyAsFailureEvenWithExitZero) {
  auto reply = runScript("echo '{\"data\":{\"x\":1},\"error\":\"half done\"}'");
  EXPECT_EQ(reply.status.code, StatusCode::Aborted);
  EXPECT_EQ(reply.status.message, "half done");
  EXPECT_EQ(reply.data["x"], 1);
}

TEST(ExternalAgentProtocol, AcceptsAReplyWithoutData) {
  auto reply = runScript("echo '{}'");
  EXPECT_EQ(reply.status.code, StatusCode::Ok) << reply.status.message;
  EXPECT_EQ(reply.data, Json::object());
}

TEST(ExternalAgentProtocol, RejectsOutputThatIsNotOneJsonObject) {
  for (const char* script : {"echo '[1,2]'", "echo '{\"data\":[1]}'", "true", "echo '{}{}'",
                             "printf '{\"data\":{\"a\":\"\\377\"}}'"}) {
    auto reply = runScript(script);
    EXPECT_EQ(reply.status.code, StatusCode::UnknownError) << script;
    EXPECT_THAT(reply.status.message, HasSubstr("produced malformed output")) << script;
  }
}

TEST(ExternalAgentProtocol, RejectsDeeplyNestedOutput) {
  auto reply = runScript("head -c 100000 /dev/zero | tr '\\0' '['");
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("nested deeper than"));
}

TEST(ExternalAgentProtocol, RejectsOutputOverTheCap) {
  auto reply = runScript("head -c 3000000 /dev/zero");
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("1048576 byte output cap"));
}

TEST(ExternalAgentProtocol, ReportsAProgramKilledByASignal) {
  auto reply = runScript("kill -SEGV $$");
  EXPECT_EQ(reply.status.code, StatusCode::UnknownError);
  EXPECT_THAT(reply.status.message, HasSubstr("killed by signal 11 (SIGSEGV)"));
}

TEST(ExternalAgentProtocol, AnswersUnknownActionsWithoutRunningAnything) {
  TempDir dir;
  const fs::path marker = dir.path() / "ran";
  writeAgent(dir.path(), "probe", "touch '" + marker.string() + "'; echo '{}'");
  auto agent = loadOnly(dir.path());
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->handle(request("nope")).status.code, StatusCode::UnknownAction);
  EXPECT_FALSE(fs::exists(marker));
}

class ExternalAgentLoading : public ::testing::Test {
 protected:
  // Finds the reason recorded for the file named `name` (empty if none).
  static std::string reasonFor(const ExternalAgentLoad& load, const std::string& name) {
    for (const auto& [file, reason] : load.errors) {
      if (fs::path(file).filename() == name) return reason;
    }
    return {};
  }
  TempDir dir_;
};

TEST_F(ExternalAgentLoading, LoadsGoodAgentsAndNamesEachBadFile) {
  const fs::path& d = dir_.path();
  fs::copy_file(kExamples / "echo.json", d / "echo.json");
  fs::copy_file(kExamples / "echo", d / "echo");
  writeFile(d / "broken.json", "{ \"metadata\": ", kPlain);
  writeFile(d / "broken", "#!/bin/sh\n", kExec);
  writeFile(d / "mismatch.json", ddlFor("other", {"run"}), kPlain);
  writeFile(d / "mismatch", "#!/bin/sh\n", kExec);
  writeAgent(d, "noexec", "echo '{}'");
  fs::permissions(d / "noexec", kPlain);
  writeFile(d / "lonely.json", ddlFor("lonely", {"run"}), kPlain);
  writeAgent(d, "shared", "echo '{}'");
  fs::permissions(d / "shared", fs::perms::others_write, fs::perm_options::add);
  writeFile(d / "README.md", "not an agent", kPlain);

  auto load = loadExternalAgents({d});
  ASSERT_EQ(load.agents.size(), 1u);
  EXPECT_EQ(load.agents.front()->name(), "echo");
  EXPECT_EQ(load.errors.size(), 5u);
  EXPECT_THAT(reasonFor(load, "broken.json"), HasSubstr("broken.json"));
  EXPECT_THAT(reasonFor(load, "mismatch.json"), HasSubstr("metadata.name is \"other\""));
  EXPECT_THAT(reasonFor(load, "noexec"), HasSubstr("not executable"));
  EXPECT_THAT(reasonFor(load, "lonely"), HasSubstr("missing"));
  EXPECT_THAT(reasonFor(load, "shared"), HasSubstr("world-writable"));
  for (const auto& [file, reason] : load.errors)
    EXPECT_THAT(file, ::testing::StartsWith(d.string()));
}

TEST_F(ExternalAgentLoading, KeepsTheFirstOfTwoAgentsWithOneName) {
  TempDir second;
  writeAgent(dir_.path(), "twin", "echo '{}'");
  writeAgent(second.path(), "twin", "echo '{}'");
  auto load = loadExternalAgents({dir_.path(), second.path()});
  ASSERT_EQ(load.agents.size(), 1u);
  EXPECT_EQ(static_cast<ExternalAgent&>(*load.agents.front()).program(), dir_.path() / "twin");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.front().first, (second.path() / "twin.json").string());
  EXPECT_THAT(load.errors.front().second, HasSubstr("already loaded"));
}

TEST_F(ExternalAgentLoading, SkipsMissingDirectoriesAndRefusesWorldWritableOnes) {
  writeAgent(dir_.path(), "probe", "echo '{}'");
  auto missing = loadExternalAgents({dir_.path() / "absent"});
  EXPECT_TRUE(missing.agents.empty());
  EXPECT_TRUE(missing.errors.empty());
  fs::permissions(dir_.path(), fs::perms::others_all, fs::perm_options::add);
  auto open = loadExternalAgents({dir_.path()});
  EXPECT_TRUE(open.agents.empty());
  ASSERT_EQ(open.errors.size(), 1u);
  EXPECT_EQ(open.errors.front().first, dir_.path().string());
  EXPECT_THAT(open.errors.front().second, HasSubstr("world-writable"));
}

TEST_F(ExternalAgentLoading, FindsProgramsThroughRelativeDirectories) {
  writeAgent(dir_.path(), "probe", "echo '{\"data\":{\"ok\":true}}'");
  auto relative = fs::relative(dir_.path(), fs::current_path());
  auto load = loadExternalAgents({relative});
  ASSERT_EQ(load.agents.size(), 1u);
  EXPECT_TRUE(load.agents.front()->handle(request("run")).data["ok"].get<bool>());
}

}  // namespace
}  // namespace drover::node
