#include "core/util/subprocess.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace drover::util {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kGenerous = 30s;  // for runs that must not time out

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "drover-subprocess-XXXXXX").string();
    path_ = fs::canonical(::mkdtemp(pattern.data()));
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Alive means running: a zombie waiting for a reaper that may never come (PID 1 in a
// container) is dead for our purpose.
bool processRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  char state = close + 2 < line.size() ? line[close + 2] : 'X';
  return state != 'Z' && state != 'X';
}

bool stopsRunningWithin(pid_t pid, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (processRunning(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool waitForFile(const fs::path& file) {
  auto until = std::chrono::steady_clock::now() + kGenerous;
  while (!fs::exists(file)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string bigPayload(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7919) % 26);
  return out;
}

// What a node's reply says of Puppet's share of an action: the programs run on the
// thread while a meter is open, counted by every open meter, and by no other thread's.
TEST(SubprocessProgramTime, CountsTheProgramsRunOnThisThreadWhileOpen) {
  runProcess({"/bin/true"}, "", kGenerous);  // before any meter: counts for none
  ProgramTime outer;
  auto first = runProcess({"/bin/sleep", "0.05"}, "", kGenerous);
  ASSERT_EQ(first.exitCode, 0);
  std::chrono::microseconds innerTotal{0};
  {
    ProgramTime inner;
    runProcess({"/bin/sleep", "0.05"}, "", kGenerous);
    runProcess({"/nonexistent/program"}, "", kGenerous);  // could not start: still counted
    innerTotal = inner.total();
    EXPECT_EQ(inner.programs(), 2u);
    EXPECT_GE(inner.total(), 50ms);
  }
  std::thread([] { runProcess({"/bin/sleep", "0.05"}, "", kGenerous); }).join();
  EXPECT_EQ(outer.programs(), 3u);
  EXPECT_GE(outer.total(), innerTotal + 50ms);
}

TEST(SubprocessExit, ReportsExitCodes) {
  EXPECT_EQ(runProcess({"true"}, "", kGenerous).exitCode, 0);
  auto result = runProcess({"sh", "-c", "exit 3"}, "", kGenerous);
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_EQ(result.signal, 0);
  EXPECT_FALSE(result.timedOut);
  EXPECT_FALSE(result.outputTruncated);
}

TEST(SubprocessExit, ReportsTheSignalThatEndedTheProgram) {
  auto result = runProcess({"sh", "-c", "kill -KILL $$"}, "", kGenerous);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.exitCode, -1);
  EXPECT_FALSE(result.timedOut);
}

// A stopping daemon ends the programs its actions run, children of theirs included.
TEST(SubprocessExit, TerminateRunningProcessesEndsEveryGroupRunningNow) {
  TempDir dir;
  fs::path ready = dir.path() / "plain.ready";
  fs::path pidFile = dir.path() / "grandchild.pid";
  // Each program reads its stdin first, which runProcess() writes only once the group is
  // listed: a file it writes after that says the group is there to be signalled.
  std::vector<SubprocessResult> results(2);
  std::vector<std::thread> runs;
  runs.emplace_back([&] {
    results[0] = runProcess({"sh", "-c", "read go; : > " + ready.string() + "; exec sleep 60"},
                            "go\n", kGenerous);
  });
  runs.emplace_back([&] {
    // Ignores SIGTERM and leaves a grandchild: SIGKILL after the grace ends the group.
    results[1] =
        runProcess({"sh", "-c",
                    "read go; trap '' TERM; sleep 60 & echo $! > " + pidFile.string() +
                        ".tmp; mv " + pidFile.string() + ".tmp " + pidFile.string() + "; wait"},
                   "go\n", kGenerous);
  });
  ASSERT_TRUE(waitForFile(ready) && waitForFile(pidFile));
  EXPECT_EQ(terminateRunningProcesses(300ms), 2u);
  for (auto& run : runs) run.join();
  // Ended by the signals, not at their own end (60 s) or at the timeout (kGenerous).
  EXPECT_EQ(results[0].signal, SIGTERM);
  EXPECT_EQ(results[1].signal, SIGKILL);
  EXPECT_FALSE(results[0].timedOut);
  EXPECT_FALSE(results[1].timedOut);
  std::ifstream in(pidFile);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(stopsRunningWithin(grandchild, kGenerous));
  EXPECT_EQ(terminateRunningProcesses(100ms), 0u);  // nothing left
}

// The program outlives its closed outputs: the result waits for its exit, and so for
// what it does after closing them.
TEST(SubprocessExit, NoticesExitWhenOutputsWereClosedEarly) {
  TempDir dir;
  fs::path after = dir.path() / "after-close";
  auto result = runProcess(
      {"sh", "-c", "exec >&- 2>&-; sleep 0.2; : > " + after.string() + "; exit 4"}, "", kGenerous);
  EXPECT_EQ(result.exitCode, 4);
  EXPECT_TRUE(fs::exists(after));
}

TEST(SubprocessIo, CapturesStdoutAndStderrSeparately) {
  auto result = runProcess({"sh", "-c", "echo out; echo err >&2; exit 1"}, "", kGenerous);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_EQ(result.exitCode, 1);
}

TEST(SubprocessIo, RoundTripsSeveralMebibytesWithoutDeadlock) {
  const std::string payload = bigPayload(8u << 20);
  SubprocessOptions opts;
  opts.maxOutputBytes = 16u << 20;
  auto result = runProcess({"cat"}, payload, kGenerous, opts);
  EXPECT_FALSE(result.timedOut);
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_EQ(result.out.size(), payload.size());
  EXPECT_TRUE(result.out == payload);
}

TEST(SubprocessIo, FeedsStdinWhileBothOutputsFill) {
  const std::string payload = bigPayload(3u << 20);
  SubprocessOptions opts;
  opts.maxOutputBytes = 4u << 20;
  auto result = runProcess({"tee", "/dev/stderr"}, payload, kGenerous, opts);
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_TRUE(result.out == payload);
  EXPECT_TRUE(result.err == payload);
}

TEST(SubprocessIo, SurvivesAProgramThatIgnoresItsStdin) {
  // Without SIGPIPE care the test binary itself would die here.
  auto result = runProcess({"true"}, bigPayload(4u << 20), kGenerous);
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_FALSE(result.timedOut);
}

TEST(SubprocessIo, CapsOutputButKeepsDraining) {
  SubprocessOptions opts;
  opts.maxOutputBytes = 1000;
  auto result = runProcess({"head", "-c", "3000000", "/dev/zero"}, "", kGenerous, opts);
  EXPECT_EQ(result.exitCode, 0);  // the writer was never blocked by a full pipe
  EXPECT_TRUE(result.outputTruncated);
  EXPECT_EQ(result.out.size(), 1000u);
}

TEST(SubprocessIo, DefaultCapIsOneMebibyte) {
  auto result = runProcess({"head", "-c", "2000000", "/dev/zero"}, "", kGenerous);
  EXPECT_TRUE(result.outputTruncated);
  EXPECT_EQ(result.out.size(), 1u << 20);
}

// The timeouts below only trigger the kill: each leaves the shell ample time to set up.
TEST(SubprocessTimeout, KillsTheWholeProcessGroup) {
  auto result = runProcess({"sh", "-c", "sleep 30 & echo $!; wait"}, "", 1s);
  EXPECT_TRUE(result.timedOut);
  EXPECT_EQ(result.signal, SIGTERM) << "ended at its own end, not at the timeout";
  pid_t grandchild = std::stoi(result.out);
  EXPECT_TRUE(stopsRunningWithin(grandchild, kGenerous))
      << "grandchild " << grandchild << " survived";
}

// SIGTERM first, then SIGKILL once the grace is over. The shell notes the SIGTERM and
// keeps going; its child ignores SIGTERM (inherited) and goes only with the SIGKILL.
TEST(SubprocessTimeout, EscalatesToSigkillAfterTheGrace) {
  SubprocessOptions opts;
  opts.killGrace = 1s;
  auto result = runProcess(
      {"sh", "-c",
       "trap '' TERM; sleep 30 & echo $!; trap 'echo term' TERM; while :; do sleep 1; done"},
      "", 1s, opts);
  EXPECT_TRUE(result.timedOut);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_NE(result.out.find("\nterm\n"), std::string::npos) << "no SIGTERM before the SIGKILL";
  pid_t grandchild = std::stoi(result.out);
  EXPECT_TRUE(stopsRunningWithin(grandchild, kGenerous))
      << "grandchild " << grandchild << " survived";
}

TEST(SubprocessTimeout, ReturnsOutputReadBeforeTheTimeout) {
  auto result = runProcess({"sh", "-c", "echo started; sleep 30"}, "", 1s);
  EXPECT_TRUE(result.timedOut);
  EXPECT_EQ(result.out, "started\n");
  EXPECT_EQ(result.signal, SIGTERM);
}

TEST(SubprocessSpawn, ReportsAMissingExecutableAs127) {
  auto result = runProcess({"/nonexistent/drover-prog"}, "", kGenerous);
  EXPECT_EQ(result.exitCode, 127);
  EXPECT_NE(result.err.find("cannot execute /nonexistent/drover-prog"), std::string::npos);
  auto bare = runProcess({"drover-no-such-program"}, "", kGenerous);
  EXPECT_EQ(bare.exitCode, 127);
  EXPECT_NE(bare.err.find("not found in PATH"), std::string::npos) << bare.err;
}

TEST(SubprocessSpawn, ReportsANonExecutableFileAs127) {
  TempDir dir;
  std::ofstream(dir.path() / "plain") << "#!/bin/sh\necho hi\n";
  fs::permissions(dir.path() / "plain", fs::perms::owner_read | fs::perms::owner_write);
  auto result = runProcess({(dir.path() / "plain").string()}, "", kGenerous);
  EXPECT_EQ(result.exitCode, 127);
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.err;
}

TEST(SubprocessSpawn, ThrowsOnEmptyArgv) {
  EXPECT_THROW(runProcess({}, "", kGenerous), std::invalid_argument);
}

TEST(SubprocessSpawn, PassesArgumentsLiterallyWithoutAShell) {
  TempDir dir;
  const fs::path victim = dir.path() / "pwned";
  const std::string hostile = "$(touch " + victim.string() + "); `touch " + victim.string() +
                              "`; rm -rf " + dir.path().string() + " | cat && echo *";
  auto result = runProcess({"printf", "%s", hostile}, "", kGenerous);
  EXPECT_EQ(result.out, hostile);
  EXPECT_FALSE(fs::exists(victim));
  EXPECT_TRUE(fs::exists(dir.path()));
}

TEST(SubprocessSpawn, UsesOnlyTheGivenEnvironment) {
  ::setenv("DROVER_TEST_SECRET", "leak", 1);
  auto byDefault = runProcess({"env"}, "", kGenerous);
  EXPECT_EQ(byDefault.out, "PATH=/usr/bin:/bin\nLANG=C.UTF-8\n");
  SubprocessOptions opts;
  opts.environment = {"PATH=/bin", "ONLY=this"};
  EXPECT_EQ(runProcess({"env"}, "", kGenerous, opts).out, "PATH=/bin\nONLY=this\n");
  ::unsetenv("DROVER_TEST_SECRET");
}

TEST(SubprocessSpawn, StartsInTheWorkingDirectory) {
  TempDir dir;
  SubprocessOptions opts;
  opts.workingDir = dir.path();
  EXPECT_EQ(runProcess({"pwd"}, "", kGenerous, opts).out, dir.path().string() + "\n");
  opts.workingDir = dir.path() / "missing";
  auto result = runProcess({"pwd"}, "", kGenerous, opts);
  EXPECT_EQ(result.exitCode, 127);
  EXPECT_NE(result.err.find("missing"), std::string::npos) << result.err;
}

// Not the caller's group: one led by the program's guard, a child of the caller.
TEST(SubprocessSpawn, RunsInAProcessGroupOfItsOwnLedByItsGuard) {
  auto result = runProcess({"sh", "-c",
                            "cut -d' ' -f5 /proc/$$/stat; echo $PPID; "
                            "cut -d' ' -f4 /proc/$PPID/stat"},
                           "", kGenerous);
  std::istringstream lines(result.out);
  pid_t group = 0, guard = 0, guardParent = 0;
  lines >> group >> guard >> guardParent;
  EXPECT_NE(group, ::getpgrp()) << result.out;
  EXPECT_EQ(group, guard) << result.out;
  EXPECT_EQ(guardParent, ::getpid()) << result.out;
}

// Signals sent to the whole group (a timeout's SIGTERM, a program's `kill 0`) are the
// program's to handle: the guard outlives them and reports how the program ended.
TEST(SubprocessSpawn, TheGuardReportsTheProgramsOwnStatus) {
  auto trapped =
      runProcess({"sh", "-c", "trap 'exit 7' TERM; kill -TERM 0; sleep 5 & wait"}, "", kGenerous);
  EXPECT_EQ(trapped.exitCode, 7) << trapped.err;
  EXPECT_EQ(trapped.signal, 0);
  auto killed = runProcess({"sh", "-c", "kill -TERM $$"}, "", kGenerous);
  EXPECT_EQ(killed.signal, SIGTERM);
  EXPECT_EQ(killed.exitCode, -1);
}

// The caller killed with SIGKILL (no chance to stop anything): the program and the
// program's own child go with it.
TEST(SubprocessSpawn, ProgramsDieWithTheirCallerEvenOnSigkill) {
  TempDir dir;
  fs::path pids = dir.path() / "pids";
  pid_t caller = ::fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {
    runProcess({"sh", "-c",
                "sleep 300 & echo $$ $! > " + pids.string() + ".tmp; mv " + pids.string() +
                    ".tmp " + pids.string() + "; wait"},
               "", 600s);
    ::_exit(0);
  }
  auto until = std::chrono::steady_clock::now() + 20s;
  while (!fs::exists(pids) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  std::ifstream in(pids);
  pid_t shell = 0, sleeper = 0;
  in >> shell >> sleeper;
  ::kill(caller, SIGKILL);
  ::waitpid(caller, nullptr, 0);
  ASSERT_GT(sleeper, 0) << "the program never started";
  EXPECT_TRUE(stopsRunningWithin(shell, 10s)) << "the program outlived its caller";
  EXPECT_TRUE(stopsRunningWithin(sleeper, 10s)) << "the program's child outlived its caller";
  if (processRunning(sleeper)) ::kill(sleeper, SIGKILL);
  if (processRunning(shell)) ::kill(shell, SIGKILL);
}

TEST(SubprocessSpawn, InheritsNoOtherDescriptors) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  std::string probe = "test -e /proc/self/fd/" + std::to_string(leaky);
  auto result = runProcess({"sh", "-c", probe}, "", kGenerous);
  ::close(leaky);
  EXPECT_EQ(result.exitCode, 1) << "fd " << leaky << " reached the child";
}

TEST(SubprocessIo, MergesStderrIntoStdoutInTheOrderWritten) {
  SubprocessOptions opts;
  opts.mergeStderr = true;
  auto result = runProcess({"sh", "-c", "echo one; echo two >&2; echo three"}, "", kGenerous, opts);
  EXPECT_EQ(result.out, "one\ntwo\nthree\n");
  EXPECT_EQ(result.err, "");
}

TEST(SubprocessIo, KeepTailKeepsTheLastBytesOfALongOutput) {
  SubprocessOptions opts;
  opts.maxOutputBytes = 16;
  opts.keepTail = true;
  auto result = runProcess({"sh", "-c", "seq 1 100000; echo the-end"}, "", kGenerous, opts);
  EXPECT_EQ(result.out, "\n100000\nthe-end\n");  // the last 16 bytes
  EXPECT_TRUE(result.outputTruncated);
}

TEST(SubprocessConcurrency, RunsFromManyThreadsAtOnce) {
  constexpr int kThreads = 8;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &good] {
      const std::string payload = std::to_string(t) + bigPayload(300000);
      for (int round = 0; round < 5; ++round) {
        auto result = runProcess({"cat"}, payload, kGenerous);
        if (result.exitCode == 0 && result.out == payload) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), kThreads * 5);
}

}  // namespace
}  // namespace drover::util
