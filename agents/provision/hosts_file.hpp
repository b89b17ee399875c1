#pragma once
// The one hosts-file entry provisioning manages: "ADDRESS NAME # drover: puppet server".
// The marker comment finds it again; every other line stays byte for byte as it was.
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace drover::agents::provision {

inline constexpr std::string_view kHostsMarker = "# drover: puppet server";

/// The lines of `text`, each with its own terminator (none for a last line without
/// one), so joining them gives back the very same bytes.
std::vector<std::string_view> splitKeepingEnds(std::string_view text);
/// `line` without its trailing newline, carriage return, spaces and tabs.
std::string_view stripEnd(std::string_view line);

struct HostsEdit {
  std::string content;
  bool changed = false;
};

/// `content` with exactly one managed entry mapping `name` to `address`. The entry
/// replaces the first managed line (others are dropped); it moves up just before the
/// first foreign line that maps the same name, which would otherwise win the lookup
/// (the resolver takes the first match); with neither it is appended.
HostsEdit withManagedEntry(std::string_view content, std::string_view name,
                           std::string_view address);

/// Held by every read-modify-write of the hosts file in this process (this entry, and
/// the naming agent's names block), so neither loses the other's edit.
std::mutex& hostsFileMutex();

/// Applies withManagedEntry() to `file` (created with its directory if missing) and
/// replaces it atomically, keeping its permissions, only when something changed.
/// Returns whether it changed. Throws std::runtime_error naming the file.
bool setManagedEntry(const std::filesystem::path& file, std::string_view name,
                     std::string_view address);

}  // namespace drover::agents::provision
