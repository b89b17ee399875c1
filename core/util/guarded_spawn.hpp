#pragma once
// How runProcess starts a program: so that the program, and whatever it starts in its
// process group, dies with the daemon that started it, even when the daemon is killed
// with SIGKILL and has no chance to stop them itself.
//
// A parent-death signal, not a subreaper. PR_SET_CHILD_SUBREAPER makes a process adopt
// its orphaned descendants, nothing more: when it dies they are adopted by the next
// reaper up and go on running, so it cannot take them along. PR_SET_PDEATHSIG has the
// kernel signal a child when its parent goes, however it goes. It reaches one process
// and is not inherited by that process's children, so set on the program alone it
// would miss what the program starts (a script's `sleep 300 &`). So each program gets
// a guard: a process forked from the daemon that leads a new process group, asks for
// the parent-death signal, starts the program in its group and waits for it. When the
// daemon dies, the guard's handler sends SIGKILL to the whole group, itself included.
// Otherwise the guard ends as the program ended (its exit code, or the same signal),
// so the caller sees the program's own status.
//
// Two traps of PR_SET_PDEATHSIG: it fires when the *thread* that forked exits, not only
// the process (runProcess blocks the forking thread until the guard is reaped, so that
// thread never exits first; and the handler acts only when the parent process is
// gone: getppid() differs from the daemon's pid); and the daemon may die between the
// fork and the prctl (the guard checks getppid() right after it).
//
// A program that moves its children to another process group or session (a
// daemonizing double fork) takes them out of the guard's reach.
#include <sys/types.h>

namespace drover::util {

/// Everything the guard needs, prepared before the fork: after it, the child of a
/// multithreaded daemon may only make async-signal-safe calls.
struct GuardedSpawn {
  const char* path = nullptr;  // the program, already resolved
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* workingDir = nullptr;  // null: the caller's
  int stdinFd = -1;                  // the program's ends of the pipes
  int stdoutFd = -1;
  int stderrFd = -1;
};

/// Why the program did not start: the call that failed and its errno.
struct SpawnFailure {
  enum class Stage { None, Chdir, Fork, Exec } stage = Stage::None;
  int error = 0;
};

/// Forks the guard, which starts the program. Returns the guard's pid, which is also
/// the process group of both; `failure` says why the program did not start (then the
/// guard has already exited with status 127 and is waiting to be reaped). The caller
/// closes its copies of the program's pipe ends. Throws std::system_error when the
/// guard cannot be forked.
pid_t spawnGuarded(const GuardedSpawn& spawn, SpawnFailure& failure);

}  // namespace drover::util
