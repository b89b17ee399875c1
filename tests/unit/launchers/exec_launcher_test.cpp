// The exec contract against a real program: a small shell script that records its
// request and answers as the test says.
#include "launchers/exec/exec_launcher.hpp"

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

class ExecLauncherTest : public ::testing::Test {
 protected:
  // A launcher program that saves stdin to request.json, then runs `body`.
  ExecLauncher launcherRunning(const std::string& body, int timeout = 30) {
    fs::path script = dir_.write(
        "launcher.sh", "#!/bin/sh\ncat > " + (dir_ / "request.json").string() + "\n" + body + "\n");
    fs::permissions(script, fs::perms::owner_all);
    return ExecLauncher(ExecSettings::fromJson({{"type", "exec"},
                                                {"command", {script.string(), "--region", "r1"}},
                                                {"timeout", timeout}}));
  }
  Json request() const { return Json::parse(util::readFile(dir_ / "request.json")); }
  static std::string errorOf(const std::function<void()>& call) {
    try {
      call();
    } catch (const LaunchError& e) {
      return e.what();
    }
    return "";
  }

  testing::TempDir dir_;
};

TEST_F(ExecLauncherTest, LaunchSendsTheMembersAndReadsTheInstances) {
  auto launcher = launcherRunning(
      R"(echo '{"instances":[{"id":"i-1","identity":"shop-db-0","state":"running","details":{"ip":"10.0.0.5"}}]}')");
  MemberLaunch member{"shop-db-0",
                      "db",
                      "db",
                      "masterful",
                      {{"image", "ami-1"}},
                      {Volume{1u << 30, "/srv/data", "image"}}};
  std::vector<Instance> instances = launcher.launch("shop", {member});
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].id, "i-1");
  EXPECT_EQ(instances[0].details["ip"], "10.0.0.5");
  Json sent = request();
  EXPECT_EQ(sent["op"], "launch");
  EXPECT_EQ(sent["deployment"], "shop");
  EXPECT_EQ(sent["members"][0]["naming_type"], "masterful");
  EXPECT_EQ(sent["members"][0]["settings"]["image"], "ami-1");
  EXPECT_EQ(sent["members"][0]["volumes"][0],
            Json({{"size", 1u << 30}, {"mount", "/srv/data"}, {"kind", "image"}}));
}

TEST_F(ExecLauncherTest, ALaunchThatLeavesAMemberOutIsAnError) {
  auto launcher = launcherRunning(
      R"(echo '{"instances":[{"id":"i-1","identity":"shop-db-0","state":"running"}]}')");
  MemberLaunch first{"shop-db-0", "db", "db", "masterful", Json::object(), {}};
  MemberLaunch second{"shop-db-1", "db", "db", "masterful", Json::object(), {}};
  std::string error = errorOf([&] { launcher.launch("shop", {first, second}); });
  EXPECT_NE(error.find("(launch): no instance for shop-db-1"), std::string::npos) << error;
}

TEST_F(ExecLauncherTest, TerminateAndList) {
  auto terminating = launcherRunning(R"(echo '{"terminated":["i-1","i-2"]}')");
  terminating.terminate("shop", {"i-1", "i-2"});
  EXPECT_EQ(request(),
            Json({{"op", "terminate"}, {"deployment", "shop"}, {"ids", {"i-1", "i-2"}}}));
  auto listing = launcherRunning(R"(echo '{"instances":[]}')");
  EXPECT_TRUE(listing.list("shop").empty());
  EXPECT_EQ(request(), Json({{"op", "list"}, {"deployment", "shop"}}));
}

TEST_F(ExecLauncherTest, AFailureCarriesTheOpTheStatusAndTheStderrTail) {
  auto launcher = launcherRunning("echo 'no credentials for region r1' >&2\nexit 3");
  std::string error = errorOf([&] { launcher.list("shop"); });
  EXPECT_NE(error.find("(list)"), std::string::npos) << error;
  EXPECT_NE(error.find("exited with status 3"), std::string::npos) << error;
  EXPECT_NE(error.find("no credentials for region r1"), std::string::npos) << error;
}

TEST_F(ExecLauncherTest, OutputThatIsNotTheContractIsRefused) {
  for (const char* body : {"echo 'launched!'", "echo '[1,2]'", "echo '{\"instance\":[]}'",
                           "echo '{\"instances\":[{\"id\":\"i\"}]}'", "true"}) {
    auto launcher = launcherRunning(body);
    EXPECT_NE(errorOf([&] { launcher.list("shop"); }), "") << body;
  }
  auto terminating = launcherRunning("echo '{}'");
  EXPECT_NE(errorOf([&] { terminating.terminate("shop", {"i-1"}); }).find("no 'terminated' list"),
            std::string::npos);
}

TEST_F(ExecLauncherTest, AProgramThatDoesNotAnswerIsStoppedAtTheTimeout) {
  auto launcher = launcherRunning("exec sleep 600", 1);
  EXPECT_NE(errorOf([&] { launcher.list("shop"); }).find("did not answer within 1 s"),
            std::string::npos);
}

TEST_F(ExecLauncherTest, OutputBeyondTheBoundIsRefused) {
  fs::path script = dir_.write("big.sh", "#!/bin/sh\ncat >/dev/null\nhead -c 5000000 /dev/zero\n");
  fs::permissions(script, fs::perms::owner_all);
  ExecLauncher launcher(ExecSettings::fromJson(
      {{"type", "exec"}, {"command", {script.string()}}, {"max_output", 4096}}));
  EXPECT_NE(errorOf([&] { launcher.list("shop"); }).find("more output than max_output"),
            std::string::npos);
}

TEST_F(ExecLauncherTest, AMissingProgramIsNamed) {
  ExecLauncher launcher(
      ExecSettings::fromJson({{"type", "exec"}, {"command", {"/nonexistent/launcher"}}}));
  std::string error = errorOf([&] { launcher.list("shop"); });
  EXPECT_NE(error.find("/nonexistent/launcher"), std::string::npos) << error;
  EXPECT_NE(error.find("status 127"), std::string::npos) << error;
}

}  // namespace
}  // namespace drover::launchers
