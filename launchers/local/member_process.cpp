#include "launchers/local/member_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "launchers/launcher.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;
constexpr int kStatusFd = 3;
constexpr auto kKillWait = std::chrono::seconds(10);

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// After fork only async-signal-safe calls: the errno is written as digits by hand.
[[noreturn]] void childFail(int statusFd, const char* what) {
  char text[24] = "errno ";
  int code = errno, length = 6;
  char digits[12];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + code % 10);
    code /= 10;
  } while (code > 0 && count < 11);
  while (count > 0) text[length++] = digits[--count];
  (void)!::write(statusFd, what, std::strlen(what));
  (void)!::write(statusFd, text, static_cast<std::size_t>(length));
  ::_exit(127);
}

// Runs in the grandchild: only async-signal-safe calls from here on.
[[noreturn]] void execMember(char* const* argv, int logFd, int statusFd) {
  int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull < 0 || ::dup2(devNull, 0) < 0 || ::dup2(logFd, 1) < 0 || ::dup2(logFd, 2) < 0) {
    childFail(statusFd, "redirect output: ");
  }
  if (statusFd != kStatusFd && ::dup2(statusFd, kStatusFd) < 0) childFail(statusFd, "status fd: ");
  ::fcntl(kStatusFd, F_SETFD, 0);  // kept across exec, for drover-member to report on
  ::execv(argv[0], argv);
  childFail(kStatusFd, "exec drover-member: ");
}

// The middle process makes the new session and leaves at once, so the member is
// nobody's child here: it is not reaped by, nor signalled with, the caller.
[[noreturn]] void detach(char* const* argv, int logFd, int statusFd, int pidFd) {
  if (::setsid() < 0) childFail(statusFd, "setsid: ");
  pid_t pid = ::fork();
  if (pid < 0) childFail(statusFd, "fork: ");
  if (pid == 0) execMember(argv, logFd, statusFd);
  (void)!::write(pidFd, &pid, sizeof pid);
  ::_exit(0);
}

std::string readAll(int fd) {
  std::string out;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

struct Pipe {
  Fd read, write;
};

Pipe makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw LaunchError(std::string("pipe: ") + std::strerror(errno));
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// The member's PID from the middle process, once the status pipe is closed by the
// exec of droverd; what drover-member wrote there instead is the failure.
pid_t startedPid(int pidFd, int statusFd) {
  std::string pidBytes = readAll(pidFd);
  std::string failure = readAll(statusFd);
  if (!failure.empty()) throw LaunchError(failure);
  pid_t member = 0;
  if (pidBytes.size() != sizeof member) throw LaunchError("the member process did not start");
  std::memcpy(&member, pidBytes.data(), sizeof member);
  return member;
}

std::vector<std::string> withStatusFd(std::vector<std::string> argv) {
  argv.insert(argv.begin() + 1, {"--status-fd", std::to_string(kStatusFd)});
  return argv;
}

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Waits until every pidfd is readable (its process ended) or `timeout` passes;
// `ended` marks those that did.
void waitEnded(const std::vector<int>& fds, std::vector<bool>& ended,
               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<pollfd> open;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!ended[i]) open.push_back({fds[i], POLLIN, 0});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (open.empty() || left.count() <= 0) return;
    if (::poll(open.data(), open.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
      return;
    for (std::size_t i = 0, k = 0; i < fds.size(); ++i) {
      if (!ended[i] && (open[k++].revents & POLLIN) != 0) ended[i] = true;
    }
  }
}

}  // namespace

pid_t startDetached(const std::vector<std::string>& argvIn, const fs::path& log) {
  std::vector<std::string> argv = withStatusFd(argvIn);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  Fd logFd{::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)};
  if (logFd.fd < 0) throw LaunchError("open " + log.string() + ": " + std::strerror(errno));
  Pipe status = makePipe(), pidPipe = makePipe();
  pid_t middle = ::fork();
  if (middle < 0) throw LaunchError(std::string("fork: ") + std::strerror(errno));
  if (middle == 0) detach(args.data(), logFd.fd, status.write.fd, pidPipe.write.fd);
  ::close(std::exchange(status.write.fd, -1));
  ::close(std::exchange(pidPipe.write.fd, -1));
  int wstatus = 0;
  while (::waitpid(middle, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return startedPid(pidPipe.read.fd, status.read.fd);
}

std::vector<pid_t> processesInNamespace(const fs::path& netnsFile) {
  struct stat target {};
  if (::stat(netnsFile.c_str(), &target) != 0) return {};
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat ns {};
    if (::stat((entry.path() / "ns" / "net").c_str(), &ns) != 0) continue;
    if (ns.st_dev == target.st_dev && ns.st_ino == target.st_ino) pids.push_back(std::stoi(name));
  }
  return pids;
}

std::vector<pid_t> stopProcesses(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  std::vector<int> fds;
  std::vector<pid_t> held;  // a PID whose pidfd could not be opened has already gone
  for (pid_t pid : pids) {
    int fd = pidfdOpen(pid);
    if (fd >= 0) fds.push_back(fd), held.push_back(pid);
  }
  std::vector<bool> ended(fds.size(), false);
  for (int fd : fds) ::syscall(SYS_pidfd_send_signal, fd, SIGTERM, nullptr, 0);
  waitEnded(fds, ended, grace);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (!ended[i]) ::syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, nullptr, 0);
  }
  waitEnded(fds, ended, kKillWait);
  std::vector<pid_t> left;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (!ended[i]) left.push_back(held[i]);
    ::close(fds[i]);
  }
  return left;
}

}  // namespace drover::launchers
