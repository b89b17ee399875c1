// The audit log: the fields of decision and result lines, redaction of secrets,
// truncation of long values, whole lines under concurrent writers, reopening after
// logrotate, and failures that are counted instead of thrown.
#include "core/policy/audit_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/policy/scratch_dir.hpp"

namespace drover::policy::test {
namespace {

using namespace std::chrono_literals;

const Caller kAlice{"alice.admin", "admin"};

std::vector<std::string> readLines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Json decisionOf(const Json& args, const Decision& decision = {true, "allow by rule 1"}) {
  const AuditRequest request{"req-1", "web1.example.com", kAlice, "puppet", "runonce", args};
  return Json::parse(decisionLine(1714566896789, request, decision));
}

TEST(PolicyAuditTime, IsIso8601UtcWithMilliseconds) {
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(isoTime(1714566896789), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(isoTime(1714566896007), "2024-05-01T12:34:56.007Z");
}

TEST(PolicyAuditLine, DecisionHasEveryFieldInOrder) {
  const AuditRequest request{"req-1",  "web1.example.com", kAlice,
                             "puppet", "runonce",          Json{{"noop", true}}};
  const std::string line =
      decisionLine(1714566896789, request, {false, "default deny: no policy for agent puppet"});
  EXPECT_EQ(line, R"({"time":"2024-05-01T12:34:56.789Z","event":"decision","request_id":"req-1",)"
                  R"("node":"web1.example.com","caller":"alice.admin","role":"admin",)"
                  R"("agent":"puppet","action":"runonce","args":{"noop":true},"allowed":false,)"
                  R"("reason":"default deny: no policy for agent puppet"})");
}

TEST(PolicyAuditLine, ResultHasStatusAndDuration) {
  const Json line = Json::parse(resultLine(1714566896789, "req-1", "web1.example.com",
                                           envelope::StatusCode::Aborted, "puppet failed", 1500ms));
  EXPECT_EQ(line["time"], "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(line["event"], "result");
  EXPECT_EQ(line["request_id"], "req-1");
  EXPECT_EQ(line["node"], "web1.example.com");
  EXPECT_EQ(line["result"]["code"], 1);
  EXPECT_EQ(line["result"]["message"], "puppet failed");
  EXPECT_EQ(line["duration_ms"], 1500);
}

TEST(PolicyAuditArgs, SecretLookingKeysAreRedactedAtAnyDepth) {
  const Json args = {{"password", "hunter2"},
                     {"api_key", "abc"},
                     {"AuthToken", "t0k3n"},
                     {"db", {{"Secret", "s"}, {"host", "db1"}}},
                     {"users", Json::array({{{"name", "bob"}, {"passwd", "pw"}}})},
                     {"credentials", {{"user", "x"}}},
                     {"environment", "production"}};
  const Json logged = decisionOf(args)["args"];
  EXPECT_EQ(logged["password"], "[redacted]");
  EXPECT_EQ(logged["api_key"], "[redacted]");
  EXPECT_EQ(logged["AuthToken"], "[redacted]");
  EXPECT_EQ(logged["db"]["Secret"], "[redacted]");
  EXPECT_EQ(logged["db"]["host"], "db1");
  EXPECT_EQ(logged["users"][0]["passwd"], "[redacted]");
  EXPECT_EQ(logged["users"][0]["name"], "bob");
  EXPECT_EQ(logged["credentials"], "[redacted]");
  EXPECT_EQ(logged["environment"], "production");
}

TEST(PolicyAuditArgs, SecretNamesAreMatchedByWhatTheyContain) {
  for (const char* name : {"password", "PASSWORD", "db_passwd", "passphrase", "client_secret",
                           "token", "ssh_private_key", "key", "apiKey", "credential"}) {
    EXPECT_TRUE(looksSecret(name)) << name;
  }
  for (const char* name : {"environment", "noop", "tags", "server", "message", "user"}) {
    EXPECT_FALSE(looksSecret(name)) << name;
  }
}

TEST(PolicyAuditArgs, LongStringsAreTruncated) {
  const Json logged = decisionOf({{"manifest", std::string(5000, 'x')}, {"short", "ok"}})["args"];
  const std::string manifest = logged["manifest"];
  EXPECT_EQ(manifest, std::string(kMaxAuditValueBytes, 'x') + "...[truncated, 5000 bytes]");
  EXPECT_EQ(logged["short"], "ok");
}

TEST(PolicyAuditArgs, AValueOfExactlyTheLimitIsKept) {
  const std::string value(kMaxAuditValueBytes, 'y');
  EXPECT_EQ(decisionOf({{"v", value}})["args"]["v"], value);
}

TEST(PolicyAuditArgs, TruncationKeepsUtf8Whole) {
  std::string text;
  while (text.size() < 3000) text += "\xC3\xA9";  // é, two bytes
  text = "x" + text;                              // so the limit falls inside a character
  const std::string logged = decisionOf({{"note", text}})["args"]["note"];
  const std::string kept = logged.substr(0, logged.find("..."));
  EXPECT_EQ(kept.size(), kMaxAuditValueBytes - 1);
  EXPECT_EQ(kept, text.substr(0, kMaxAuditValueBytes - 1));
}

TEST(PolicyAuditArgs, LongListsAndMapsAreBounded) {
  Json many = Json::array();
  for (int i = 0; i < 2000; ++i) many.push_back(i);
  const Json logged = decisionOf({{"ids", many}, {"small", Json::array({1, 2})}})["args"];
  ASSERT_TRUE(logged["ids"].is_string());
  const std::string ids = logged["ids"];
  EXPECT_EQ(ids.rfind("[0,1,2,3,", 0), 0u);
  EXPECT_NE(ids.find("...[truncated, "), std::string::npos);
  EXPECT_LE(ids.size(), kMaxAuditValueBytes + 32);
  EXPECT_EQ(logged["small"], Json::array({1, 2}));
}

TEST(PolicyAuditArgs, InvalidUtf8StillGivesAValidLine) {
  const AuditRequest request{"req\xFF", "web1",    kAlice,
                             "puppet",  "run\xFE", Json{{"x", std::string("bad \xFF byte")}}};
  const std::string line = decisionLine(0, request, {true, "ok"});
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["args"]["x"], "bad \xEF\xBF\xBD byte");  // U+FFFD
}

TEST(PolicyAuditArgs, NonObjectArgsAreSanitizedToo) {
  EXPECT_EQ(sanitizeArgs(Json::array({{{"token", "t"}}})),
            Json::array({{{"token", "[redacted]"}}}));
  EXPECT_EQ(sanitizeArgs(Json()), Json());
}

class PolicyAuditLog : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_ / "audit.log"; }

  void decide(AuditLog& log, const std::string& id, bool allowed, const Json& args = {}) {
    log.recordDecision({id, "web1.example.com", kAlice, "puppet", "runonce", args},
                       {allowed, allowed ? "allow by rule 1" : "default deny"});
  }

  ScratchDir dir_;
};

TEST_F(PolicyAuditLog, AppendsOneJsonLinePerRecord) {
  {
    AuditLog log(file());
    decide(log, "r1", true, {{"noop", true}, {"password", "pw"}});
    log.recordResult("r1", "web1.example.com", envelope::StatusCode::Ok, "OK", 42ms);
    decide(log, "r2", false);
    EXPECT_EQ(log.failures(), 0u);
  }
  const auto lines = readLines(file());
  ASSERT_EQ(lines.size(), 3u);
  const Json first = Json::parse(lines[0]);
  EXPECT_EQ(first["event"], "decision");
  EXPECT_EQ(first["request_id"], "r1");
  EXPECT_EQ(first["caller"], "alice.admin");
  EXPECT_EQ(first["role"], "admin");
  EXPECT_EQ(first["agent"], "puppet");
  EXPECT_EQ(first["action"], "runonce");
  EXPECT_EQ(first["node"], "web1.example.com");
  EXPECT_EQ(first["allowed"], true);
  EXPECT_EQ(first["reason"], "allow by rule 1");
  EXPECT_EQ(first["args"], (Json{{"noop", true}, {"password", "[redacted]"}}));
  EXPECT_TRUE(std::regex_match(first["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  const Json second = Json::parse(lines[1]);
  EXPECT_EQ(second["event"], "result");
  EXPECT_EQ(second["request_id"], "r1");
  EXPECT_EQ(second["result"], (Json{{"code", 0}, {"message", "OK"}}));
  EXPECT_EQ(second["duration_ms"], 42);
  const Json third = Json::parse(lines[2]);
  EXPECT_EQ(third["allowed"], false);
  EXPECT_EQ(third["reason"], "default deny");
}

TEST_F(PolicyAuditLog, AppendsToAnExistingFile) {
  std::ofstream(file()) << "{\"earlier\":true}\n";
  {
    AuditLog log(file());
    decide(log, "r1", true);
  }
  const auto lines = readLines(file());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"earlier\":true}");
  EXPECT_EQ(Json::parse(lines[1])["request_id"], "r1");
}

TEST_F(PolicyAuditLog, TheFileIsPrivate) {
  AuditLog log(file());
  const auto permissions = std::filesystem::status(file()).permissions();
  EXPECT_EQ(permissions & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(PolicyAuditLog, ConcurrentWritersProduceWholeLines) {
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 400;
  {
    AuditLog log(file());
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        const Json args = {{"payload", std::string(900, static_cast<char>('a' + t))}};
        for (int i = 0; i < kLinesEach; ++i) {
          decide(log, std::to_string(t) + "-" + std::to_string(i), i % 2 == 0, args);
        }
      });
    }
    for (auto& writer : writers) writer.join();
    EXPECT_EQ(log.failures(), 0u);
  }
  const auto lines = readLines(file());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesEach));
  std::set<std::string> ids;
  for (const auto& line : lines) {
    const Json parsed = Json::parse(line);  // throws on a torn line
    const std::string id = parsed["request_id"];
    const char expected = static_cast<char>('a' + (id.front() - '0'));
    EXPECT_EQ(parsed["args"]["payload"], std::string(900, expected));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), lines.size());
}

TEST_F(PolicyAuditLog, ReopenWritesToANewFileAfterRotation) {
  AuditLog log(file());
  decide(log, "before", true);
  const auto rotated = dir_ / "audit.log.1";
  std::filesystem::rename(file(), rotated);
  decide(log, "still-old", true);  // until reopen(), the renamed file
  EXPECT_TRUE(log.reopen());
  decide(log, "after", true);
  const auto old = readLines(rotated);
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(Json::parse(old[1])["request_id"], "still-old");
  const auto fresh = readLines(file());
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(Json::parse(fresh[0])["request_id"], "after");
}

TEST_F(PolicyAuditLog, AFailedReopenKeepsTheCurrentFile) {
  const auto sub = dir_ / "logs";
  std::filesystem::create_directory(sub);
  AuditLog log(sub / "audit.log");
  std::filesystem::rename(sub / "audit.log", dir_ / "kept.log");
  std::filesystem::remove(sub);
  EXPECT_FALSE(log.reopen());
  decide(log, "r1", true);
  EXPECT_EQ(log.failures(), 0u);
  EXPECT_EQ(readLines(dir_ / "kept.log").size(), 1u);
}

TEST_F(PolicyAuditLog, OpeningAnImpossiblePathThrowsNamingIt) {
  const auto path = dir_ / "missing" / "audit.log";
  try {
    AuditLog log(path);
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST_F(PolicyAuditLog, WriteFailuresAreCountedNotThrown) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  AuditLog log("/dev/full");
  decide(log, "r1", true);
  log.recordResult("r1", "web1", envelope::StatusCode::Ok, "OK", 1ms);
  decide(log, "r2", false);
  EXPECT_EQ(log.failures(), 3u);
}

}  // namespace
}  // namespace drover::policy::test
