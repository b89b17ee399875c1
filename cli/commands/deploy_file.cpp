#include "cli/commands/deploy_file.hpp"

#include <fstream>
#include <sstream>

#include "core/deploy/deployment.hpp"

namespace drover::cli {
namespace {

// The file's own source, noting each bundle the loader looked up and found: those are
// the bundles the deployment uses, whatever part of the file named them.
class RecordingSource : public deploy::FileSource {
 public:
  explicit RecordingSource(std::filesystem::path directory)
      : directory_(std::move(directory)), disk_(deploy::diskSource(directory_)) {}

  std::optional<deploy::Blob> blob(const std::string& relpath) const override {
    auto found = disk_->blob(relpath);
    if (found) used_[relpath] = LocalBlob{directory_ / relpath, found->digest, found->size};
    return found;
  }
  std::map<std::string, std::string> files() const override { return disk_->files(); }

  const std::map<std::string, LocalBlob>& used() const { return used_; }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<deploy::FileSource> disk_;
  mutable std::map<std::string, LocalBlob> used_;
};

std::string readText(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw DeployFileError(file.string() + ": no such file (a deployment file is YAML)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DeployFileError(file.string() + ": cannot read it");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

DeployFile readDeployFile(const std::filesystem::path& file) {
  DeployFile loaded{"", file.filename().string(), readText(file), {}, {}};
  RecordingSource source(file.parent_path().empty() ? "." : file.parent_path());
  try {
    loaded.name = deploy::parseDeployment(loaded.text, file.string(), source).name;
  } catch (const deploy::DeploymentError& e) {
    throw DeployFileError(e.what());
  }
  loaded.blobs = source.used();
  loaded.files = source.files();
  return loaded;
}

}  // namespace drover::cli
