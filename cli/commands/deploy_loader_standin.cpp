#include "cli/commands/deploy_loader_standin.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

namespace drover::deploy {
namespace {

std::string sha256Of(const std::filesystem::path& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  std::string hex = "sha256:";
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

class DiskSource : public FileSource {
 public:
  explicit DiskSource(std::filesystem::path directory) : directory_(std::move(directory)) {}

  std::optional<Blob> blob(const std::string& relpath) const override {
    std::filesystem::path path = directory_ / relpath;
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
    return Blob{sha256Of(path), std::filesystem::file_size(path)};
  }

  std::map<std::string, std::string> files() const override {
    std::map<std::string, std::string> texts;
    std::error_code error;
    for (const auto& pool : std::filesystem::directory_iterator(directory_ / "files", error)) {
      for (const auto& file : std::filesystem::directory_iterator(pool.path(), error)) {
        if (!file.is_regular_file()) continue;
        std::ifstream in(file.path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        texts["files/" + pool.path().filename().string() + "/" + file.path().filename().string()] =
            text.str();
      }
    }
    return texts;
  }

 private:
  std::filesystem::path directory_;
};

void checkStages(const YAML::Node& holder, const std::string& fileName, const FileSource& source,
                 std::vector<std::string>& errors) {
  const YAML::Node stages = holder.IsMap() ? holder["stages"] : YAML::Node();
  if (!stages || !stages.IsSequence()) return;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const YAML::Node bundle = stages[i].IsMap() ? stages[i]["bundle"] : YAML::Node();
    if (!bundle || !bundle.IsScalar()) continue;
    if (source.blob(bundle.Scalar())) continue;
    errors.push_back(fmt::format("{}:{}:{}: stages[{}].bundle: '{}' is not a regular file",
                                 fileName, bundle.Mark().line + 1, bundle.Mark().column + 1, i,
                                 bundle.Scalar()));
  }
}

}  // namespace

std::unique_ptr<FileSource> diskSource(const std::filesystem::path& directory) {
  return std::make_unique<DiskSource>(directory);
}

Deployment parseDeployment(const std::string& text, const std::string& fileName,
                           const FileSource& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw DeploymentError(
        fmt::format("{}:{}:{}: {}", fileName, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  std::vector<std::string> errors;
  if (!root.IsMap() || !root["name"] || !root["name"].IsScalar()) {
    errors.push_back(fileName + ":1:1: name: missing");
  }
  if (root.IsMap()) {
    checkStages(root["defaults"], fileName, source, errors);
    for (const char* group : {"pools", "instances"}) {
      if (!root[group] || !root[group].IsMap()) continue;
      for (const auto& pool : root[group]) checkStages(pool.second, fileName, source, errors);
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& error : errors) message += (message.empty() ? "" : "\n") + error;
    throw DeploymentError(message);
  }
  return Deployment{root["name"].Scalar()};
}

}  // namespace drover::deploy
