// Stopping a member's processes: SIGTERM, SIGKILL after the grace for those that ignore
// it, and every one waited for; processes found by their network namespace.
#include "launchers/local/member_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace drover::launchers {
namespace {

using namespace std::chrono_literals;

// A child that blocks until signalled; with `ignoreTerm` SIGTERM does not end it.
pid_t waitingChild(bool ignoreTerm) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    if (ignoreTerm) ::signal(SIGTERM, SIG_IGN);
    ::close(ready[0]);
    ::close(ready[1]);  // tells the parent the disposition is set
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char byte;
  (void)!::read(ready[0], &byte, 1);
  ::close(ready[0]);
  return pid;
}

int signalThatEnded(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST(StopProcesses, TermFirstThenKillForThoseThatIgnoreIt) {
  pid_t polite = waitingChild(false);
  pid_t stubborn = waitingChild(true);
  ASSERT_GT(polite, 0);
  ASSERT_GT(stubborn, 0);
  EXPECT_TRUE(stopProcesses({polite, stubborn}, 200ms).empty());
  EXPECT_EQ(signalThatEnded(polite), SIGTERM);
  EXPECT_EQ(signalThatEnded(stubborn), SIGKILL);
}

TEST(StopProcesses, APidThatIsGoneAlreadyIsNoError) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(stopProcesses({child}, 100ms).empty());
}

TEST(ProcessesInNamespace, FindsTheProcessesOfANetworkNamespace) {
  auto pids = processesInNamespace("/proc/self/ns/net");
  EXPECT_NE(std::find(pids.begin(), pids.end(), ::getpid()), pids.end());
  EXPECT_TRUE(processesInNamespace("/run/netns/drover-no-such-namespace").empty());
}

}  // namespace
}  // namespace drover::launchers
