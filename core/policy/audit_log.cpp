#include "core/policy/audit_log.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace drover::policy {
namespace {

constexpr const char* kLogger = "drover.policy.audit";

int openForAppend(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

// Arguments are plain pointers and numbers, so nothing allocates outside the try.
template <typename... Args>
void logSafely(spdlog::level::level_enum level, fmt::format_string<Args...> format,
               Args&&... args) noexcept {
  try {
    log::get(kLogger)->log(level, format, std::forward<Args>(args)...);
  } catch (...) {  // logging must not turn an audit failure into a crash
  }
}

}  // namespace

AuditLog::AuditLog(std::filesystem::path path) : path_(std::move(path)), fd_(openForAppend(path_)) {
  if (fd_ < 0) {
    const int error = errno;
    throw std::system_error(error, std::generic_category(),
                            "cannot open audit log " + path_.string());
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::recordDecision(const AuditRequest& request, const Decision& decision) noexcept {
  try {
    append(decisionLine(util::nowMs(), request, decision) + '\n');
  } catch (const std::exception& e) {
    noteFailure("cannot build a decision line", e.what());
  }
}

void AuditLog::recordResult(std::string_view requestId, std::string_view node,
                            envelope::StatusCode code, std::string_view message,
                            std::chrono::milliseconds duration) noexcept {
  try {
    append(resultLine(util::nowMs(), requestId, node, code, message, duration) + '\n');
  } catch (const std::exception& e) {
    noteFailure("cannot build a result line", e.what());
  }
}

bool AuditLog::reopen() noexcept {
  const int fresh = openForAppend(path_);
  if (fresh < 0) {
    logSafely(spdlog::level::err, "audit log {}: cannot reopen, still writing to the old file: {}",
              path_.c_str(), std::strerror(errno));
    return false;
  }
  std::lock_guard lock(mutex_);
  ::close(fd_);
  fd_ = fresh;
  return true;
}

void AuditLog::append(std::string_view line) noexcept {
  std::lock_guard lock(mutex_);
  if (writeAll(line)) return noteSuccess();
  const int error = errno;
  failures_.fetch_add(1);
  if (streak_++ == 0) {
    logSafely(spdlog::level::err, "audit log {}: cannot write: {} (counting further failures)",
              path_.c_str(), std::strerror(error));
  }
}

bool AuditLog::writeAll(std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

void AuditLog::noteSuccess() noexcept {
  if (streak_ == 0) return;
  logSafely(spdlog::level::warn, "audit log {}: writing again after {} lost lines", path_.c_str(),
            streak_);
  streak_ = 0;
}

void AuditLog::noteFailure(const char* what, const char* detail) noexcept {
  failures_.fetch_add(1);
  logSafely(spdlog::level::err, "audit log {}: {}: {}", path_.c_str(), what, detail);
}

}  // namespace drover::policy
