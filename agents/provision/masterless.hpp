#pragma once
// Masterless provisioning on the node (provision#set_node_data, provision#apply): where
// the node's own Hiera data lives, and the Hiera config that layers it over the image's
// defaults. Every path is under Puppet's confdir (droverd's puppet.confdir resolved
// under its root; else the confdir Puppet reports):
//
//   data/drover-node.json   the node's data, as set_node_data received it (JSON, 0640)
//   data/common.yaml        the image's defaults, shipped with the image (may be absent)
//   drover-hiera.yaml       the global Hiera config `puppet apply --hiera_config` gets
//
// The hierarchy is node data first, then the image's defaults: Hiera takes a key from
// the first level that has it, so the node's data overrides the image. Environment and
// module data (each environment's own hiera.yaml) come after both, as always.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "agents/provision/context.hpp"
#include "core/util/json.hpp"

namespace drover::agents::provision {

/// Largest node data set_node_data accepts, in bytes of compact JSON.
inline constexpr std::size_t kMaxNodeDataBytes = 256 * 1024;

struct MasterlessPaths {
  std::filesystem::path confdir;
  std::filesystem::path nodeData;       // <confdir>/data/drover-node.json
  std::filesystem::path imageDefaults;  // <confdir>/data/common.yaml
  std::filesystem::path hieraConfig;    // <confdir>/drover-hiera.yaml
};

MasterlessPaths masterlessPaths(const std::filesystem::path& confdir);

/// The paths of this node: its configured confdir, else the one Puppet reports.
/// Throws std::runtime_error when Puppet cannot report its settings.
MasterlessPaths masterlessPaths(ProvisionContext& context);

/// The Hiera 5 config: node data (json_data), then the image defaults (yaml_data).
std::string hieraConfigText(const MasterlessPaths& paths);

/// Node data as set_node_data writes it: JSON, two-space indent, a final newline.
std::string nodeDataText(const Json& data);

/// Writes `text` to `path` atomically (parents made) unless it already holds exactly
/// that. Returns true when it wrote. Throws std::runtime_error naming the path.
bool writeIfChanged(const std::filesystem::path& path, const std::string& text, unsigned mode);

/// Why `environment` is not a Puppet environment name ([a-z0-9_]+), nullopt when it is.
std::optional<std::string> environmentProblem(const std::string& environment);

/// Why `manifest` is not a path inside an environment directory (relative; parts of
/// letters, digits, '_', '.', '-', none starting with '.'), nullopt when it is.
std::optional<std::string> manifestProblem(const std::string& manifest);

/// The directory of `environment` in Puppet's `environmentpath` (':'-separated, first
/// match wins, as Puppet looks), nullopt when no entry has it.
std::optional<std::filesystem::path> findEnvironment(const std::string& environmentpath,
                                                     const std::string& environment);

}  // namespace drover::agents::provision
