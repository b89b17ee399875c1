#include "launchers/local/member_state.hpp"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

MemberState sample(const fs::path& dir) {
  MemberState state;
  state.deployment = "shop";
  state.identity = "shop-db-0";
  state.netns = "drover0-shop-db-0";
  state.hostVeth = "dv0123abcdh";
  state.address = "10.213.0.2";
  state.dir = dir;
  state.pid = ::getpid();
  state.startTime = processStartTime(::getpid()).value();
  state.createdDirs = {"/srv/x"};
  state.mounts = {"/srv/x/data"};
  return state;
}

TEST(MemberState, WrittenAndReadBack) {
  testing::TempDir dir;
  MemberState state = sample(dir.path());
  state.write();
  MemberState read = MemberState::read(state.file());
  EXPECT_EQ(read.toJson(), state.toJson());
  Instance instance = read.instance();
  EXPECT_EQ(instance.id, "shop-db-0");
  EXPECT_EQ(instance.state, "running");
  EXPECT_EQ(instance.details["address"], "10.213.0.2");
  EXPECT_EQ(instance.details["root"], (dir.path() / "root").string());
}

TEST(MemberState, AReusedPidIsNotTheMember) {
  testing::TempDir dir;
  MemberState state = sample(dir.path());
  state.startTime += 1;  // same PID, another process
  EXPECT_FALSE(isRunning(state));
  EXPECT_EQ(state.instance().state, "stopped");
  EXPECT_EQ(state.instance().details["pid"], 0);
  state.pid = 0;
  EXPECT_FALSE(isRunning(state));
}

TEST(MemberState, StartTimeIsField22OfStat) {
  std::ifstream in("/proc/self/stat");
  std::string text;
  std::getline(in, text);
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;
  EXPECT_EQ(processStartTime(::getpid()), std::stoull(field));
  EXPECT_FALSE(processStartTime(-1).has_value());
}

TEST(MemberState, AnExitedChildIsNotRunningBeforeItIsReaped) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  testing::waitFor([&] { return !processStartTime(child).has_value(); }, std::chrono::seconds(10));
  EXPECT_FALSE(processStartTime(child).has_value());  // a zombie until waited for
  int status = 0;
  ::waitpid(child, &status, 0);
}

TEST(MemberState, ABadFileIsNamed) {
  testing::TempDir dir;
  fs::path file = dir.write("member.json", "{\"identity\": \"x\"}");
  try {
    MemberState::read(file);
    FAIL();
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos);
  }
  EXPECT_THROW(MemberState::read(dir.write("other.json", "{")), LaunchError);
}

}  // namespace
}  // namespace drover::launchers
