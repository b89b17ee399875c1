#pragma once
// Where a request's time goes inside a simulator: per request id, when its first and
// last copies arrived at this process's nodes and when the last reply was queued,
// against the request's own `time`. Every process on one machine reads the same wall
// clock, so these lines line up with the client's (drover-rpc-bench --trace-dir).
// Diagnostic only: off unless --trace-file is given.
//
// Thread ownership: the fleet's thread.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace drover::bench {

/// Microseconds since the Unix epoch.
std::int64_t wallMicros();

class RequestTrace {
 public:
  /// One node took request `id` (sent at `sentMs`) off its socket at `arrivedUs`.
  void arrived(const std::string& id, std::int64_t sentMs, std::int64_t arrivedUs);
  /// One node queued its reply to `id` at `repliedUs`.
  void replied(const std::string& id, std::int64_t repliedUs);

  /// Writes one JSON object per request, in id order. Throws std::runtime_error.
  void write(const std::filesystem::path& file) const;

 private:
  struct Entry {
    std::int64_t sentMs = 0;
    std::int64_t firstArrivalUs = 0;
    std::int64_t lastArrivalUs = 0;
    std::int64_t lastReplyUs = 0;
    std::uint32_t arrivals = 0;
    std::uint32_t replies = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace drover::bench
