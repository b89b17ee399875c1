#pragma once
// Per-node Hiera data for the masterless flow, from the directory named by the
// provisioner's `node_data_dir` option:
//
//   <dir>/common.yaml       data every node gets (optional)
//   <dir>/<identity>.yaml   data of one node (optional), merged over common key by key:
//                           a top-level key in the node's file replaces common's, as
//                           Hiera's first-found lookup would
//
// Both are YAML maps typed as facts files are (core/facts/facts_file.hpp). Flow steps see
// the result as {{node.data}} (a whole-string expression keeps it an object), and the
// masterless flow hands it to provision#set_node_data. Files are read again whenever a
// step's arguments are rendered, so a fixed file is picked up by the next retry.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/util/json.hpp"
#include "provisioner/flow.hpp"

namespace drover::provisioner {

class NodeDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The most provision#set_node_data accepts, in bytes of compact JSON.
inline constexpr std::size_t kMaxNodeDataBytes = 256 * 1024;

/// Node data of `identity`: common.yaml with <identity>.yaml over it; an empty object
/// when neither exists. Throws NodeDataError naming FILE:LINE:COLUMN for a malformed
/// file, the file for an unreadable one, the directory when it is missing, the identity
/// when it cannot name a file, and the size when the result is over kMaxNodeDataBytes.
Json loadNodeData(const std::filesystem::path& dir, const std::string& identity);

/// True when some argument of `flow` (steps, probes) names node.data.
bool usesNodeData(const Flow& flow);
/// True when some string in `args` names node.data: only a call whose arguments do
/// reads the data, so a call without it never trips over a bad data file.
bool mentionsNodeData(const Json& args);

}  // namespace drover::provisioner
