#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace drover::util {

/// Replaces `path` with `content` atomically: write a temporary file beside it,
/// fsync, rename over the target, fsync the directory. Readers see the old or the
/// new file, never a half-written one. Throws std::runtime_error naming the path.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         unsigned mode = 0644);

/// Reads a whole file. Throws std::runtime_error naming the path on failure.
std::string readFile(const std::filesystem::path& path);

}  // namespace drover::util
