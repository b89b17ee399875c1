#include "core/log/log.hpp"

#include <mutex>
#include <stdexcept>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace drover::log {
namespace {
std::mutex gMutex;
spdlog::level::level_enum gLevel = spdlog::level::info;
spdlog::sink_ptr gFileSink;  // guarded by gMutex; null: stderr
}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& name) {
  std::lock_guard lock(gMutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger =
      gFileSink ? std::make_shared<spdlog::logger>(name, gFileSink) : spdlog::stderr_color_mt(name);
  if (gFileSink) spdlog::register_logger(logger);
  logger->set_level(gLevel);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  return logger;
}

void setLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level +
                                "' (expected trace, debug, info, warn, error, critical or off)");
  }
  std::lock_guard lock(gMutex);
  gLevel = parsed;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
}

void setFile(const std::string& path) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %n: %v");
  std::lock_guard lock(gMutex);
  gFileSink = sink;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->sinks() = {sink}; });
}

}  // namespace drover::log
