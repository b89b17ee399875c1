#include "core/util/subprocess.hpp"

#include "core/util/guarded_spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace drover::util {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kChunk = 64 * 1024;
constexpr int kCannotExecute = 127;  // what a shell reports for "not found / not executable"
constexpr int kExitPollMs = 10;      // re-check for exit this often when pidfd is unavailable

[[noreturn]] void throwErrno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// The program cannot run (missing, not executable, bad working dir): reported as exit
// status 127, never thrown out of runProcess.
class CannotExecute : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool isOpen() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Keeps pipe ends off 0-2 so the child's dup2 onto 0-2 never clobbers another end
// (possible only when the caller runs with a standard descriptor closed).
Fd aboveStandardFds(int fd) {
  if (fd > STDERR_FILENO) return Fd(fd);
  Fd low(fd);
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) throwErrno(errno, "cannot move a pipe descriptor");
  return Fd(moved);
}

struct Pipe {
  Fd read;
  Fd write;
};

// CLOEXEC: a program started concurrently from another thread must not inherit it.
Pipe makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throwErrno(errno, "cannot create a pipe");
  Fd readEnd = aboveStandardFds(fds[0]);
  Fd writeEnd = aboveStandardFds(fds[1]);
  return {std::move(readEnd), std::move(writeEnd)};
}

void setNonBlocking(const Fd& fd) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    throwErrno(errno, "cannot make a pipe non-blocking");
  }
}

std::string envValue(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& entry : env) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
        entry[key.size()] == '=') {
      return entry.substr(key.size() + 1);
    }
  }
  return {};
}

// The PATH searched is the child's, not the daemon's. Empty when nothing matches.
std::string findInPath(const std::string& name, const std::string& path) {
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = std::min(path.find(':', begin), path.size());
    std::string dir = path.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return {};
}

// Blocks SIGPIPE on this thread while it writes to the child, and swallows a SIGPIPE
// that a write raised, so a child closing stdin early cannot kill the daemon.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    wasPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SigpipeBlock() {
    if (!wasPending_) {
      const timespec zero{};
      while (sigtimedwait(&set_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t set_;
  sigset_t old_;
  bool wasPending_ = false;
};

std::vector<char*> cArray(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// errno values that mean "this program cannot run", as opposed to "the system is out
// of something".
bool isExecError(int err) {
  switch (err) {
    case ENOENT:
    case EACCES:
    case ENOEXEC:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case EISDIR:
    case ETXTBSY:
    case EPERM: return true;
    default: return false;
  }
}

SubprocessResult cannotExecute(const std::string& message, Clock::time_point started) {
  SubprocessResult result;
  result.exitCode = kCannotExecute;
  result.err = message + "\n";
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return result;
}

// A descriptor that polls readable once `pid` exits; -1 on kernels without pidfd.
// Called through syscall(): glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
int openPidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Milliseconds for poll() until `deadline`, rounded up; 0 once it has passed.
int pollBudget(Clock::time_point deadline) {
  auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

// Process groups of the children running now, for terminateRunningProcesses(). A
// leader is listed from spawn until just before it is reaped, so its group id cannot
// have been reused by then.
class RunningGroups {
 public:
  static RunningGroups& instance() {
    static RunningGroups groups;
    return groups;
  }
  void add(pid_t pid) {
    std::lock_guard lock(mutex_);
    pids_.insert(pid);
  }
  void remove(pid_t pid) {
    std::lock_guard lock(mutex_);
    pids_.erase(pid);
  }
  std::size_t signalAll(int sig) {
    std::lock_guard lock(mutex_);
    for (pid_t pid : pids_) ::kill(-pid, sig);
    return pids_.size();
  }
  bool empty() {
    std::lock_guard lock(mutex_);
    return pids_.empty();
  }

 private:
  std::mutex mutex_;
  std::set<pid_t> pids_;
};

// One running child: pumps stdin and both outputs, notices its exit without reaping
// it (an unreaped leader keeps its process group id from being reused, so killing
// the group can never hit a stranger), and reaps it at the end.
class Child {
 public:
  Child(pid_t pid, Fd in, Fd out, Fd err, const std::string& stdinData,
        const SubprocessOptions& opts)
      : pid_(pid),
        pidfd_(openPidfd(pid)),
        in_(std::move(in)),
        out_(std::move(out)),
        err_(std::move(err)),
        stdinData_(stdinData),
        cap_(opts.maxOutputBytes),
        keepTail_(opts.keepTail),
        buffer_(kChunk) {
    RunningGroups::instance().add(pid_);
    if (stdinData_.empty()) in_.reset();
  }

  // Pumps until the child has exited and closed both outputs (true) or `deadline`.
  bool runUntil(Clock::time_point deadline) {
    while (!finished()) {
      int budget = pollBudget(deadline);
      if (budget == 0) return false;
      pollOnce(budget);
    }
    return true;
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Only reached without reap() when pumping threw: never leave a zombie or strays.
  ~Child() {
    if (reaped_) return;
    killGroup(SIGKILL);
    RunningGroups::instance().remove(pid_);
    waitForStatus();
  }

  void killGroup(int sig) const { ::kill(-pid_, sig); }

  SubprocessResult reap(Clock::time_point started, bool timedOut) {
    in_.reset();
    out_.reset();
    err_.reset();
    SubprocessResult result;
    RunningGroups::instance().remove(pid_);
    fillStatus(result, waitForStatus());
    result.timedOut = timedOut;
    result.outputTruncated = truncated_;
    result.out = std::move(outText_);
    result.err = std::move(errText_);
    result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    return result;
  }

 private:
  bool finished() const { return exited_ && !out_.isOpen() && !err_.isOpen(); }

  // The wait status, or -1 if the child was reaped elsewhere (SIGCHLD ignored).
  int waitForStatus() {
    int status = 0;
    pid_t got;
    while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return got == pid_ ? status : -1;
  }

  static void fillStatus(SubprocessResult& result, int status) {
    if (status < 0) return;
    if (WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }

  void pollOnce(int budget) {
    pollfd fds[4];
    nfds_t n = 0;
    auto add = [&](const Fd& fd, short events) {
      if (fd.isOpen()) fds[n++] = {fd.get(), events, 0};
    };
    add(in_, POLLOUT);
    add(out_, POLLIN);
    add(err_, POLLIN);
    if (!exited_) add(pidfd_, POLLIN);
    if (!exited_ && !pidfd_.isOpen()) budget = std::min(budget, kExitPollMs);
    if (::poll(fds, n, budget) < 0 && errno != EINTR) throwErrno(errno, "poll failed");
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents != 0) handle(fds[i].fd);
    }
    if (!exited_ && (!pidfd_.isOpen() || ready(fds, n, pidfd_))) exited_ = hasExited();
  }

  static bool ready(const pollfd* fds, nfds_t n, const Fd& fd) {
    return std::any_of(fds, fds + n,
                       [&](const pollfd& p) { return p.fd == fd.get() && p.revents; });
  }

  void handle(int fd) {
    if (fd == in_.get()) writeStdin();
    if (fd == out_.get()) readInto(out_, outText_);
    if (fd == err_.get()) readInto(err_, errText_);
  }

  void writeStdin() {
    ssize_t n = ::write(in_.get(), stdinData_.data() + written_, stdinData_.size() - written_);
    if (n > 0) written_ += static_cast<std::size_t>(n);
    bool retry = n < 0 && (errno == EAGAIN || errno == EINTR);
    if (written_ == stdinData_.size() || (n < 0 && !retry)) in_.reset();  // done, or EPIPE
  }

  void readInto(Fd& fd, std::string& sink) {
    ssize_t n = ::read(fd.get(), buffer_.data(), buffer_.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return fd.reset();  // EOF or a broken pipe
    std::size_t got = static_cast<std::size_t>(n);
    if (keepTail_) return keepLast(sink, got);
    std::size_t keep = std::min(got, cap_ - std::min(cap_, sink.size()));
    sink.append(buffer_.data(), keep);
    if (keep < got) truncated_ = true;
  }

  // Appends what was read and drops the oldest bytes beyond the cap.
  void keepLast(std::string& sink, std::size_t got) {
    sink.append(buffer_.data(), got);
    if (sink.size() <= cap_) return;
    sink.erase(0, sink.size() - cap_);
    truncated_ = true;
  }

  bool hasExited() const {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      return errno == ECHILD;
    }
    return info.si_pid != 0;
  }

  pid_t pid_;
  Fd pidfd_;  // readable once the child exits; closed if the kernel lacks pidfd_open
  Fd in_;
  Fd out_;
  Fd err_;
  const std::string& stdinData_;
  std::size_t written_ = 0;
  std::size_t cap_;
  bool keepTail_;
  bool truncated_ = false;
  bool exited_ = false;
  bool reaped_ = false;
  std::string outText_;
  std::string errText_;
  std::vector<char> buffer_;
};

Clock::time_point deadlineAfter(Clock::time_point start, milliseconds timeout) {
  if (timeout.count() <= 0) return Clock::time_point::max();
  return start + timeout;
}

// The timeout path: SIGTERM, a grace to exit, then SIGKILL for whatever of the group
// is left (sent before the leader is reaped, so the group id is still ours).
SubprocessResult stopAndReap(Child& child, Clock::time_point started, milliseconds grace) {
  child.killGroup(SIGTERM);
  child.runUntil(Clock::now() + grace);
  child.killGroup(SIGKILL);
  return child.reap(started, true);
}

// Throws CannotExecute when nothing in the child's PATH matches.
std::string resolveProgram(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string searched = envValue(env, "PATH");
  std::string path = findInPath(name, searched);
  if (path.empty()) {
    throw CannotExecute("cannot execute " + name + ": not found in PATH " + searched);
  }
  return path;
}

// The guard that failed to start the program has exited; its status says nothing more.
void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Starts the program (behind its guard, guarded_spawn.hpp) on the child ends of the
// pipes, then closes those ends here. Returns the guard's pid, the group's id.
// Throws CannotExecute for a program that cannot run, std::system_error otherwise.
pid_t spawnChild(const std::string& path, const std::vector<std::string>& argv,
                 const SubprocessOptions& opts, Pipe& in, Pipe& out, Pipe& err) {
  auto args = cArray(argv);
  auto env = cArray(opts.environment);
  const std::string dir = opts.workingDir.string();
  GuardedSpawn spawn{path.c_str(),
                     args.data(),
                     env.data(),
                     dir.empty() ? nullptr : dir.c_str(),
                     in.read.get(),
                     out.write.get(),
                     opts.mergeStderr ? out.write.get() : err.write.get()};
  SpawnFailure failure;
  pid_t pid = spawnGuarded(spawn, failure);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  if (failure.stage == SpawnFailure::Stage::None) return pid;
  reap(pid);
  if (failure.stage == SpawnFailure::Stage::Fork || !isExecError(failure.error)) {
    throwErrno(failure.error, "cannot start " + path);
  }
  std::string where = dir.empty() ? "" : " in " + dir;
  throw CannotExecute("cannot execute " + path + where + ": " + std::strerror(failure.error));
}

thread_local ProgramTime* tOpenMeter = nullptr;  // the innermost open on this thread

}  // namespace

ProgramTime::ProgramTime() : outer_(tOpenMeter) { tOpenMeter = this; }

ProgramTime::~ProgramTime() { tOpenMeter = outer_; }

void ProgramTime::count(std::chrono::microseconds elapsed) {
  for (ProgramTime* meter = tOpenMeter; meter != nullptr; meter = meter->outer_) {
    meter->total_ += elapsed;
    ++meter->programs_;
  }
}

SubprocessResult runProcess(const std::vector<std::string>& argv, const std::string& stdinData,
                            std::chrono::milliseconds timeout, const SubprocessOptions& opts) {
  if (argv.empty() || argv.front().empty()) {
    throw std::invalid_argument("runProcess: argv must name a program");
  }
  const auto started = Clock::now();
  // Every way out counts, a program that could not start or a throw included.
  struct Counted {
    Clock::time_point started;
    ~Counted() {
      ProgramTime::count(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
    }
  } counted{started};
  Pipe in = makePipe(), out = makePipe(), err = makePipe();
  for (const Fd* mine : {&in.write, &out.read, &err.read}) setNonBlocking(*mine);
  pid_t pid = -1;
  try {
    pid = spawnChild(resolveProgram(argv.front(), opts.environment), argv, opts, in, out, err);
  } catch (const CannotExecute& e) {
    return cannotExecute(e.what(), started);
  }
  SigpipeBlock noSigpipe;
  Child child(pid, std::move(in.write), std::move(out.read), std::move(err.read), stdinData, opts);
  if (!child.runUntil(deadlineAfter(started, timeout))) {
    return stopAndReap(child, started, opts.killGrace);
  }
  return child.reap(started, false);
}

std::size_t terminateRunningProcesses(std::chrono::milliseconds grace) {
  auto& groups = RunningGroups::instance();
  std::size_t signalled = groups.signalAll(SIGTERM);
  auto deadline = Clock::now() + grace;
  while (!groups.empty() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(20));
  groups.signalAll(SIGKILL);
  return signalled;
}

}  // namespace drover::util
