#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace drover::util {

/// Replaces `path` with `content` atomically: write a temporary file beside it,
/// fsync, rename over the target, fsync the directory. Readers see the old or the
/// new file, never a half-written one. Throws std::runtime_error naming the path.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         unsigned mode = 0644);

/// Who owns a file and its permission bits, set exactly (no umask applies).
struct FileOwnership {
  unsigned mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// As writeFileAtomically, with the temporary file's owner and mode set (fchown,
/// fchmod) before the rename, so the file never appears with other permissions.
/// Changing the owner needs privilege. Throws std::runtime_error naming the path.
void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         const FileOwnership& ownership);

/// Reads a whole file. Throws std::runtime_error naming the path on failure.
std::string readFile(const std::filesystem::path& path);

}  // namespace drover::util
