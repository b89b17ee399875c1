#pragma once
// A local member's own files: its server.yaml (the launcher's member_config with the
// member's identity, naming declaration, root and paths under that root), the CA,
// revocation list, provisioning token and policies the base config names copied into
// the member's etc/drover (as a cloud machine's user data would write them), and its
// hosts and hostname files.
#include <filesystem>
#include <string>
#include <vector>

#include "launchers/launcher.hpp"

namespace drover::launchers {

/// A file or directory of the machine copied into the member's root.
struct MemberCopy {
  std::filesystem::path from, to;
  unsigned mode = 0644;  // files only
};

struct MemberConfig {
  std::string yaml;                // the member's server.yaml
  std::vector<MemberCopy> copies;  // what the machine gives the member
};

/// The member's config from the base server.yaml text (read from `baseFile`, which
/// relative paths in it are relative to). Throws LaunchError naming baseFile when the
/// text is not a YAML mapping or a file it names explicitly does not exist.
MemberConfig memberConfig(const std::string& baseYaml, const std::filesystem::path& baseFile,
                          const MemberLaunch& member, const std::filesystem::path& root);

/// Writes root/etc (hosts, hostname, drover/server.yaml, the copies, an empty ssh/),
/// root/root (mode 0700), root/run and root/var/log/drover. Throws std::runtime_error
/// or std::filesystem::filesystem_error.
void writeMemberRoot(const MemberConfig& config, const MemberLaunch& member,
                     const std::filesystem::path& root, const std::string& address);

/// Where the server.yaml lives under the member's root.
inline std::filesystem::path memberConfigFile(const std::filesystem::path& root) {
  return root / "etc" / "drover" / "server.yaml";
}

}  // namespace drover::launchers
