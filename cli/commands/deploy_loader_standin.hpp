#pragma once
// Temporary: the loader entry points of core/deploy (DEPLOY_SPEC "Loader entry points")
// with just enough behind them for `drover deploy up` (the name, every stage bundle
// looked up through the source, YAML errors with FILE:LINE:COLUMN). Replaced by
// core/deploy/ once that is in the tree.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace drover::deploy {

class DeploymentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Blob {
  std::string digest;  // "sha256:<64 hex>"
  std::uint64_t size = 0;
};

class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual std::optional<Blob> blob(const std::string& relpath) const = 0;
  virtual std::map<std::string, std::string> files() const = 0;
};

struct Deployment {
  std::string name;
};

std::unique_ptr<FileSource> diskSource(const std::filesystem::path& directory);
Deployment parseDeployment(const std::string& text, const std::string& fileName,
                           const FileSource& source);

}  // namespace drover::deploy
