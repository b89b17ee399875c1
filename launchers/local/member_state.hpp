#pragma once
// What the local launcher made for one member, on disk as JSON
// (<state_dir>/<deployment>/<identity>/member.json), so that list() and terminate()
// work after the launcher (the provisioner) restarted. Written before anything is
// made, so that a launch that died half way is still cleaned up by terminate().
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"
#include "launchers/launcher.hpp"

namespace drover::launchers {

struct MemberState {
  std::string deployment, identity;
  std::string netns, hostVeth, address;
  std::filesystem::path dir;    // the member's directory; root is dir/root
  pid_t pid = 0;                // droverd, 0 until started
  std::uint64_t startTime = 0;  // field 22 of /proc/PID/stat when it started
  /// Mount points made on the machine for volumes (removed again if still empty).
  std::vector<std::string> createdDirs;
  /// Every volume's mount point as the machine sees it (another member's created
  /// directory is kept while this member may have something mounted on it).
  std::vector<std::string> mounts;

  std::filesystem::path root() const { return dir / "root"; }
  std::filesystem::path file() const { return dir / "member.json"; }

  Json toJson() const;
  /// Throws LaunchError naming `file` and the field that is missing or wrong.
  static MemberState fromJson(const Json& json, const std::filesystem::path& file);
  /// Reads `file`. Throws LaunchError naming it.
  static MemberState read(const std::filesystem::path& file);
  /// Replaces the state file atomically. Throws std::runtime_error.
  void write() const;
  /// The instance view: running while the recorded process lives with its start time.
  Instance instance() const;
};

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot); nullopt when the
/// process does not exist. Equal start times tell the same process from a reused PID.
std::optional<std::uint64_t> processStartTime(pid_t pid);
/// The recorded process exists and is the one that was started.
bool isRunning(const MemberState& state);

}  // namespace drover::launchers
