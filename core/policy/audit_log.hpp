#pragma once
// The audit trail of a node: one JSON object per line, appended to a file, for every
// authorization decision and for the outcome of every request that was allowed.
//
// Two lines per allowed request, joined by request_id (and node), one per refused one:
//
//   {"time":"2024-05-01T12:34:56.789Z","event":"decision","request_id":"7f3a...",
//    "node":"web1.example.com","caller":"alice.admin","role":"admin","agent":"puppet",
//    "action":"runonce","args":{"noop":true,"token":"[redacted]"},"allowed":true,
//    "reason":"allow by rule 1 at /etc/drover/policies/puppet.yaml:4"}
//   {"time":"2024-05-01T12:35:40.012Z","event":"result","request_id":"7f3a...",
//    "node":"web1.example.com","result":{"code":0,"message":"OK"},"duration_ms":43223}
//
// (each object is one line in the file). The decision is written before the action runs,
// so a request that hangs or crashes the node is still on record; a decision line with
// "allowed":true and no result line means the action never finished. `time` is when the
// line was written (UTC, milliseconds); `args` are sanitized by sanitizeArgs() (secrets
// redacted, long values truncated); `result.code` is the reply's envelope::StatusCode
// and `result.message` its message, truncated like an argument; `reason` comes from the
// Authorizer. Field order is fixed as above; readers should still look fields up by name.
//
// Each line is written with one write(2) to a file opened with O_APPEND, under a mutex,
// so lines from many threads never interleave. Lines are not fsync'ed. For logrotate,
// rename the file and call reopen() (droverd does on SIGHUP), or use copytruncate.
// Writing never throws into the request path: a failure is logged on
// "drover.policy.audit" (once per run of failures) and counted in failures().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "core/envelope/envelope.hpp"
#include "core/policy/audit_record.hpp"
#include "core/policy/policy.hpp"

namespace drover::policy {

/// Thread safe.
class AuditLog {
 public:
  /// Opens `path` for appending, creating it with mode 0600 (arguments may be sensitive).
  /// Throws std::system_error naming the path when it cannot be opened.
  explicit AuditLog(std::filesystem::path path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Appends the "decision" line of a request, allowed or refused. Never throws.
  void recordDecision(const AuditRequest& request, const Decision& decision) noexcept;

  /// Appends the "result" line of a request that ran. Never throws.
  void recordResult(std::string_view requestId, std::string_view node, envelope::StatusCode code,
                    std::string_view message, std::chrono::milliseconds duration) noexcept;

  /// Opens the path again (after logrotate renamed the file) and writes there from now
  /// on. When that fails it keeps the current file, logs why and returns false. Never
  /// throws.
  bool reopen() noexcept;

  /// Lines that could not be built or written since construction.
  std::uint64_t failures() const noexcept { return failures_.load(); }

  const std::filesystem::path& path() const { return path_; }

 private:
  void append(std::string_view line) noexcept;
  bool writeAll(std::string_view bytes) noexcept;  // requires mutex_
  void noteFailure(const char* what, const char* detail) noexcept;
  void noteSuccess() noexcept;  // requires mutex_

  const std::filesystem::path path_;
  std::mutex mutex_;
  int fd_ = -1;               // guarded by mutex_
  std::uint64_t streak_ = 0;  // guarded by mutex_: failed lines since the last good one
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace drover::policy
