#pragma once
// The lines of the audit log (core/policy/audit_log.hpp), as pure functions so their
// content can be checked without a file.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/envelope/envelope.hpp"
#include "core/policy/policy.hpp"
#include "core/util/json.hpp"

namespace drover::policy {

/// Longest string value kept whole in an audit line, in bytes; also the most any one
/// argument takes once written out.
inline constexpr std::size_t kMaxAuditValueBytes = 1024;

/// Replaces a value whose name looks secret.
inline constexpr std::string_view kRedacted = "[redacted]";

/// One request as the audit log sees it. It refers to the caller's data: build it where
/// it is passed, do not keep it.
struct AuditRequest {
  std::string_view requestId;
  std::string_view node;  // identity of the node that decided
  const Caller& caller;
  std::string_view agent;
  std::string_view action;
  const Json& args;
};

/// Whether an argument called `name` probably holds a secret: its name contains, in any
/// case, password, passwd, passphrase, secret, token, credential or key (so "api_key",
/// "authToken" and "ssh_private_key", but also "monkey": redacting too much is the safe
/// side). Never throws (but std::bad_alloc).
bool looksSecret(std::string_view name);

/// Arguments fit for the audit log: at every depth, a value whose key looksSecret()
/// becomes "[redacted]" and a string longer than kMaxAuditValueBytes is cut (on a UTF-8
/// character boundary) and marked "...[truncated, N bytes]"; an argument that is still
/// longer than kMaxAuditValueBytes written out is replaced by the truncated text of its
/// JSON. Never throws (but std::bad_alloc).
Json sanitizeArgs(const Json& args);

/// ISO 8601 UTC with milliseconds: "2024-05-01T12:34:56.789Z".
std::string isoTime(std::int64_t unixMs);

/// The line recording a decision (without the newline). Throws only std::bad_alloc.
std::string decisionLine(std::int64_t unixMs, const AuditRequest& request,
                         const Decision& decision);

/// The line recording how an allowed request ended (without the newline). Throws only
/// std::bad_alloc.
std::string resultLine(std::int64_t unixMs, std::string_view requestId, std::string_view node,
                       envelope::StatusCode code, std::string_view message,
                       std::chrono::milliseconds duration);

}  // namespace drover::policy
