#pragma once
// Real processes for integration tests and benchmarks: started with an argv (no shell),
// output to a log file, stopped by PID (SIGTERM, then SIGKILL) when the guard goes away.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace drover::testing {

class Process {
 public:
  /// Starts `argv` with stdout and stderr appended to `log`. Throws std::runtime_error.
  Process(std::vector<std::string> argv, std::filesystem::path log);
  ~Process();  // stop()s
  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (or -signal).
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// SIGKILL at once: a node dying mid-call.
  void kill();
  /// Waits for exit; returns the exit status (or -signal), or -1000 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string log() const;
  const std::filesystem::path& logPath() const { return log_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::filesystem::path log_;
};

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `text` to `name` in the directory; returns the file's path.
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

/// Polls `predicate` every 20 ms until it holds or `timeout` passes.
template <typename Predicate>
bool waitFor(Predicate predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    struct timespec ts {
      0, 20 * 1000 * 1000
    };
    nanosleep(&ts, nullptr);
  }
  return predicate();
}

/// Runs a setup command (ip, tar, ...) to completion within 30 s and returns its standard
/// output; throws std::runtime_error with the command line and its stderr when it fails.
std::string runChecked(const std::vector<std::string>& argv);

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read, close),
/// and never one this process was given before. Thread safe. Throws std::runtime_error
/// when none can be found.
int freePort();

/// Path of a built executable ("drover-broker", "droverd", "drover") of this build, or
/// of the build directory DROVER_TEST_BINARY_DIR names.
std::filesystem::path binary(const std::string& name);

}  // namespace drover::testing
