#pragma once
// Named loggers: one per component ("drover.node.dispatcher"), all writing to stderr
// with a shared format. Lines name their subject: node=, request=, agent=.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace drover::log {

/// Returns the logger called `name`, creating it on first use. Thread safe.
std::shared_ptr<spdlog::logger> get(const std::string& name);

/// Sets the level of every logger, existing and future ("trace".."off").
/// Throws std::invalid_argument on an unknown level name.
void setLevel(const std::string& level);

/// Sends every logger, existing and future, to `path` (appending) instead of stderr.
/// Throws spdlog::spdlog_ex naming the file if it cannot be opened.
void setFile(const std::string& path);

}  // namespace drover::log
