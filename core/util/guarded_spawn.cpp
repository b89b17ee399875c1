#include "core/util/guarded_spawn.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace drover::util {
namespace {

constexpr int kDeathSignal = SIGHUP;  // also what the kernel sends an orphaned group
constexpr int kReportFd = 3;          // the guard and the program report failures here
constexpr int kCannotRun = 127;

// From here to guard(): what runs after the fork, in the guard or in the program
// before exec. Only async-signal-safe calls, no allocation, no exceptions.

volatile sig_atomic_t daemonPid = 0;

void killGroupIfDaemonGone(int) {
  if (::getppid() != daemonPid) ::kill(0, SIGKILL);
}

void setDisposition(int sig, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigfillset(&action.sa_mask);
  ::sigaction(sig, &action, nullptr);
}

[[noreturn]] void report(SpawnFailure::Stage stage, int error) {
  SpawnFailure failure{stage, error};
  ssize_t ignored = ::write(kReportFd, &failure, sizeof failure);
  (void)ignored;
  ::_exit(kCannotRun);
}

void closeFrom(int first) {
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  for (rlim_t fd = static_cast<rlim_t>(first); fd < limit.rlim_cur; ++fd) {
    ::close(static_cast<int>(fd));
  }
}

// The program's descriptors on 0-2, the report pipe on 3 (closed by a successful
// exec), nothing else. The sources are all above 2, so no dup2 clobbers another.
void wireDescriptors(const GuardedSpawn& spawn, int reportFd) {
  ::dup2(spawn.stdinFd, STDIN_FILENO);
  ::dup2(spawn.stdoutFd, STDOUT_FILENO);
  ::dup2(spawn.stderrFd, STDERR_FILENO);
  if (reportFd != kReportFd) ::dup2(reportFd, kReportFd);
  ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
  closeFrom(kReportFd + 1);
}

void defaultDispositions() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) setDisposition(sig, SIG_DFL);
  }
}

// In the program, between vfork and exec: default dispositions (an ignored signal
// would survive exec), no mask.
[[noreturn]] void execProgram(const GuardedSpawn& spawn) {
  defaultDispositions();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(spawn.path, spawn.argv, spawn.envp);
  report(SpawnFailure::Stage::Exec, errno);
}

// The guard ends as the program did: same exit code, or killed by the same signal
// (without a core file of its own).
[[noreturn]] void endAs(int status) {
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit noCore {
    0, 0
  };
  ::setrlimit(RLIMIT_CORE, &noCore);
  setDisposition(sig, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  ::kill(::getpid(), sig);
  ::_exit(128 + sig);
}

// Runs in the forked child with every signal blocked (the forking thread's mask). The
// daemon's handlers are dropped first: none of them is meant to run here, and an
// ignored SIGCHLD would leave nothing for waitpid.
[[noreturn]] void guard(const GuardedSpawn& spawn, int reportFd, pid_t daemon) {
  ::setpgid(0, 0);
  defaultDispositions();
  daemonPid = daemon;
  setDisposition(kDeathSignal, killGroupIfDaemonGone);
  // Signals the daemon sends the group on a timeout or at its own stop are for the
  // program, which decides; the guard follows it out.
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2}) {
    setDisposition(sig, SIG_IGN);
  }
  ::prctl(PR_SET_PDEATHSIG, kDeathSignal);
  if (::getppid() != daemon) ::kill(0, SIGKILL);  // it died before the prctl
  wireDescriptors(spawn, reportFd);
  if (spawn.workingDir != nullptr && ::chdir(spawn.workingDir) != 0) {
    report(SpawnFailure::Stage::Chdir, errno);
  }
  pid_t program = ::vfork();
  if (program == 0) execProgram(spawn);
  if (program < 0) report(SpawnFailure::Stage::Fork, errno);
  for (int fd = 0; fd <= kReportFd; ++fd) ::close(fd);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a death signal already pending acts now
  int status = 0;
  while (::waitpid(program, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(kCannotRun);
  }
  endAs(status);
}

// Moves `fd` off 0-2, which the guard overwrites (a daemon may run with one of them
// closed); -1 when it cannot.
int aboveStandardFds(int fd) {
  if (fd > STDERR_FILENO) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  ::close(fd);
  return moved;
}

// The failure the guard or the program wrote, or Stage::None once the pipe closes
// without one (the program is running).
SpawnFailure readReport(int fd) {
  SpawnFailure failure;
  ssize_t n;
  while ((n = ::read(fd, &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof failure)) return {};
  return failure;
}

}  // namespace

pid_t spawnGuarded(const GuardedSpawn& spawn, SpawnFailure& failure) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
  }
  pipeFds[0] = aboveStandardFds(pipeFds[0]);
  pipeFds[1] = aboveStandardFds(pipeFds[1]);
  if (pipeFds[0] < 0 || pipeFds[1] < 0) {
    int error = errno;
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);
    throw std::system_error(error, std::generic_category(), "cannot move a pipe descriptor");
  }
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t daemon = ::getpid();
  // _Fork: no fork handlers run in a child that may only make async-signal-safe calls.
  pid_t pid = ::_Fork();
  if (pid == 0) guard(spawn, pipeFds[1], daemon);
  int forkError = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(pipeFds[1]);
  if (pid < 0) {
    ::close(pipeFds[0]);
    throw std::system_error(forkError, std::generic_category(), "cannot fork");
  }
  failure = readReport(pipeFds[0]);
  ::close(pipeFds[0]);
  return pid;
}

}  // namespace drover::util
