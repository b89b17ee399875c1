#pragma once
// Named loggers: one per component ("drover.node.dispatcher"), all writing to stderr
// with a shared format. Lines name their subject: node=, request=, agent=.
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/spdlog.h>

namespace drover::log {

/// Returns the logger called `name`, creating it on first use. Thread safe.
std::shared_ptr<spdlog::logger> get(const std::string& name);

/// A component's logger, looked up on first use and kept. Each file names its own at
/// namespace scope and calls it like a function:
///   const log::Logger logger{"drover.node.daemon"};
///   logger()->info("node={} ready", identity);
/// Constant-initialized, so it is safe to call from other static initializers. Thread safe.
class Logger {
 public:
  constexpr explicit Logger(const char* name) : name_(name) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  const std::shared_ptr<spdlog::logger>& operator()() const {
    std::call_once(once_, [this] { logger_ = get(name_); });
    return logger_;
  }

 private:
  const char* name_;
  mutable std::once_flag once_;
  mutable std::shared_ptr<spdlog::logger> logger_;
};

/// Sets the level of every logger, existing and future ("trace".."off").
/// Throws std::invalid_argument on an unknown level name.
void setLevel(const std::string& level);

/// Sends every logger, existing and future, to `path` (appending) instead of stderr.
/// Throws spdlog::spdlog_ex naming the file if it cannot be opened.
void setFile(const std::string& path);

}  // namespace drover::log
