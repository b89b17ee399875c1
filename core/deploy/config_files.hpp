#pragma once
// A pool's config files: files/<pool>/<name> beside the deployment file (one level,
// regular files), with optional metadata under the pool's `files:` key. Metadata defaults:
// path /etc/drover/files/<pool>/<name>, owner root, group root, mode 0644. A file for no
// pool, metadata for a file that does not exist, a bad path or mode, and a bad template
// in a file's text are errors. Internal to the loader.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/deploy/deployment.hpp"
#include "core/deploy/reader.hpp"

namespace drover::deploy {

struct FileMetadata {
  FileSpec spec;  // name and metadata; no text yet
  YAML::Mark mark;
  std::string key;
};
using MetadataByPool = std::map<std::string, std::vector<FileMetadata>>;

/// The metadata map under a pool's `files:` key.
std::vector<FileMetadata> readFileMetadata(Reader& reader, const YAML::Node& node,
                                           const std::string& key);

/// Gives each pool its files (texts from the source, relpath -> text), checks their
/// templates (positions as DIRECTORY/RELPATH:LINE:COLUMN) and adds the pools they name
/// to the pool's requires_.
void attachFiles(Reader& reader, const std::filesystem::path& directory,
                 const std::map<std::string, std::string>& files, const MetadataByPool& metadata,
                 Deployment& out);

}  // namespace drover::deploy
