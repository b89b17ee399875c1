#include "testing/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/subprocess.hpp"

namespace drover::testing {

Process::Process(std::vector<std::string> argv, std::filesystem::path log) : log_(std::move(log)) {
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open log " + log_.string());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd);
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_),
      status_(other.status_),
      reaped_(other.reaped_),
      log_(std::move(other.log_)) {
  other.pid_ = -1;
}

Process::~Process() {
  if (pid_ > 0) stop();
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    reaped_ = true;
    status_ = status;
    return false;
  }
  return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (!waitFor([this] { return !running(); }, timeout)) return -1000;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return WIFSIGNALED(status_) ? -WTERMSIG(status_) : -1;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (running()) ::kill(pid_, SIGTERM);
  int result = wait(grace);
  if (result == -1000) {
    ::kill(pid_, SIGKILL);
    result = wait(std::chrono::milliseconds(5000));
  }
  return result;
}

void Process::kill() {
  if (running()) ::kill(pid_, SIGKILL);
  wait(std::chrono::milliseconds(5000));
}

std::string Process::log() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "drover-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& text) const {
  auto file = path_ / name;
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

int freePort() {
  // The kernel may hand back a port closed a moment ago, and a test asking twice before
  // either server binds would give two servers one port: never the same one twice here.
  static std::mutex mutex;
  static std::set<int> given;
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    const int port = bound ? ntohs(addr.sin_port) : 0;
    if (port > 0 && given.insert(port).second) return port;
  }
  throw std::runtime_error("no unused TCP port on 127.0.0.1");
}

std::string runChecked(const std::vector<std::string>& argv) {
  auto result = util::runProcess(argv, "", std::chrono::seconds(30));
  if (result.exitCode == 0) return result.out;
  std::string line;
  for (const auto& arg : argv) line += arg + " ";
  throw std::runtime_error(line + "failed: " + result.err);
}

std::filesystem::path binary(const std::string& name) {
  // Another build's programs may be tested with this build's tests (an older release,
  // to show what a test catches): DROVER_TEST_BINARY_DIR names its build directory.
  const char* other = std::getenv("DROVER_TEST_BINARY_DIR");
  std::filesystem::path dir = other != nullptr && *other != '\0' ? other : DROVER_BINARY_DIR;
  for (const char* sub : {"broker", "node", "cli", "provisioner", "launchers"}) {
    if (std::filesystem::exists(dir / sub / name)) return dir / sub / name;
  }
  throw std::runtime_error("executable " + name + " not built under " + dir.string());
}

}  // namespace drover::testing
