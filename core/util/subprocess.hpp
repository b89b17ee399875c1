#pragma once
// Runs a program without a shell: an argv vector, an explicit environment, pipes for
// stdin/stdout/stderr, a deadline after which the whole process group is killed.
// Arguments reach the program as they are, so no argument can inject a command.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace drover::util {

struct SubprocessOptions {
  /// Directory the program starts in; empty keeps the caller's. A relative argv[0]
  /// that contains a '/' is resolved from here.
  std::filesystem::path workingDir;
  /// The program's whole environment ("KEY=VALUE" entries). The daemon's own
  /// environment is never passed on: it may hold secrets the program has no use for.
  std::vector<std::string> environment = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
  /// Bytes kept per output stream; the rest is read and discarded so the program
  /// never blocks on a full pipe, and the result says outputTruncated.
  std::size_t maxOutputBytes = std::size_t{1} << 20;
  /// Keep the last maxOutputBytes of each stream instead of the first: what a failing
  /// script printed just before it ended is what explains it.
  bool keepTail = false;
  /// Send stderr into the stdout pipe, so `out` holds both in the order written and
  /// `err` stays empty.
  bool mergeStderr = false;
  /// Time between SIGTERM and SIGKILL to the process group when the timeout hits.
  std::chrono::milliseconds killGrace{1000};
};

struct SubprocessResult {
  int exitCode = -1;             // exit status; -1 when a signal ended the program
  int signal = 0;                // signal that ended the program, 0 if it exited
  bool timedOut = false;         // the timeout hit and the process group was killed
  bool outputTruncated = false;  // stdout or stderr went over maxOutputBytes
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

/// Runs argv[0] with arguments argv[1..], writes `stdinData` to its stdin (then
/// closes it), and collects stdout and stderr until the program has exited and both
/// outputs are closed, or until `timeout` (a non-positive timeout means none).
///
/// argv[0] containing a '/' is used as a path; otherwise it is searched in the PATH
/// of `opts.environment`. A program that cannot be found or executed is reported as
/// exitCode 127 with the reason in `err` (as a shell would), not thrown.
///
/// The program runs in a process group of its own with only fds 0-2 open, default
/// signal dispositions and an empty signal mask. The group is led by a guard process
/// that ends it when the caller's process dies, even by SIGKILL (guarded_spawn.hpp);
/// the result is the program's own status. At the timeout the group gets SIGTERM, then
/// SIGKILL after opts.killGrace; the child is always reaped before this returns. A
/// background process that keeps the outputs open keeps the run going until the
/// timeout. A program closing stdin early is not an error: the rest of stdinData is
/// dropped and no SIGPIPE reaches the caller.
///
/// Thread safe: may run concurrently from many threads.
/// Throws std::invalid_argument if argv is empty, std::system_error if the system
/// refuses resources (pipes, process slots, memory).
SubprocessResult runProcess(const std::vector<std::string>& argv, const std::string& stdinData,
                            std::chrono::milliseconds timeout, const SubprocessOptions& opts = {});

/// The wall time of the programs runProcess ran on this thread while the meter was
/// open: how much of an agent's action was another program's (Puppet's, say), which a
/// node's reply says. Meters nest: a program run under an inner meter counts for every
/// open one on the thread. A program run on another thread counts for none.
class ProgramTime {
 public:
  ProgramTime();
  ~ProgramTime();
  ProgramTime(const ProgramTime&) = delete;
  ProgramTime& operator=(const ProgramTime&) = delete;

  std::chrono::microseconds total() const { return total_; }
  std::uint32_t programs() const { return programs_; }

 private:
  friend SubprocessResult runProcess(const std::vector<std::string>&, const std::string&,
                                     std::chrono::milliseconds, const SubprocessOptions&);
  static void count(std::chrono::microseconds elapsed);

  ProgramTime* outer_;
  std::chrono::microseconds total_{0};
  std::uint32_t programs_ = 0;
};

/// For a daemon that is stopping: SIGTERM to the process group of every runProcess
/// child running now, SIGKILL after `grace` to those still there. Their runProcess
/// calls return as for a killed program (no timedOut). Returns how many were running.
/// Children started later are not affected.
std::size_t terminateRunningProcesses(std::chrono::milliseconds grace);

}  // namespace drover::util
