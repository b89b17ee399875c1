#pragma once
// Small file steps the cluster actions share (defined in node_files.cpp).
#include <filesystem>
#include <string>

namespace drover::agents::cluster {

/// The PATH of the programs the agent runs (ssh-keygen, tar, stage scripts).
inline constexpr const char* kPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Makes `dir` and its parents; a directory made here gets `mode`, one that exists is
/// left as it is. Throws std::runtime_error naming the directory.
void makeDirectory(const std::filesystem::path& dir, unsigned mode);

/// The file's text, and its permission bits in `mode`; "" (and `mode` untouched) when
/// it does not exist. Throws std::runtime_error naming the file when it cannot be read.
std::string readIfExists(const std::filesystem::path& file, unsigned& mode);

}  // namespace drover::agents::cluster
