#pragma once
// A deployment file as `drover deploy up` sends it: loaded and checked here first with
// the provisioner's own loader (core/deploy), so a bad file is refused before anything
// is uploaded, with the loader's FILE:LINE:COLUMN errors.
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "cli/commands/deploy_upload.hpp"

namespace drover::cli {

/// What deploy_up carries (provisioner/control.hpp): the text, the bundles the file uses and every
/// files/<pool>/<name> text, keyed by their paths relative to the file's directory.
struct DeployFile {
  std::string name;      // the deployment's, as the file says
  std::string fileName;  // the file's own name, which the provisioner's errors show
  std::string text;
  std::map<std::string, LocalBlob> blobs;
  std::map<std::string, std::string> files;
};

/// Why a file cannot be deployed: every problem the loader found, one per line.
class DeployFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads and loads `file` (relative paths resolve in its directory). The bundles are
/// exactly those the loader looked up and found. Throws DeployFileError.
DeployFile readDeployFile(const std::filesystem::path& file);

}  // namespace drover::cli
