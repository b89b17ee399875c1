// The two FileSources: the deployment's directory on disk (the CLI) and what the caller
// was given (the provisioner, which receives bundles and files over the bus).
#include <array>
#include <fstream>
#include <memory>

#include <openssl/evp.h>

#include "core/deploy/deployment.hpp"
#include "core/util/files.hpp"

namespace drover::deploy {
namespace {

namespace fs = std::filesystem;

std::string hex(const unsigned char* data, unsigned size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

// "sha256:<hex>" and size of the file's bytes; nullopt when it cannot be read.
std::optional<Blob> digestOf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::array<char, 65536> buffer{};
  Blob blob;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
    blob.size += static_cast<std::uint64_t>(in.gcount());
  }
  if (in.bad()) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md.data(), &size) != 1) return std::nullopt;
  blob.digest = "sha256:" + hex(md.data(), size);
  return blob;
}

class DiskSource : public FileSource {
 public:
  explicit DiskSource(fs::path directory) : directory_(std::move(directory)) {}

  std::optional<Blob> blob(const std::string& relpath) const override {
    std::error_code ec;
    fs::path file = directory_ / relpath;
    if (!fs::is_regular_file(file, ec)) return std::nullopt;
    return digestOf(file);
  }

  std::map<std::string, std::string> files() const override {
    std::map<std::string, std::string> out;
    std::error_code ec;
    fs::path root = directory_ / "files";
    if (!fs::is_directory(root, ec)) return out;
    for (const auto& poolDir : fs::directory_iterator(root, ec)) {
      if (!poolDir.is_directory(ec)) continue;
      for (const auto& file : fs::directory_iterator(poolDir.path(), ec)) {
        if (!file.is_regular_file(ec)) continue;
        std::string relpath =
            "files/" + poolDir.path().filename().string() + "/" + file.path().filename().string();
        out[relpath] = util::readFile(file.path());
      }
    }
    return out;
  }

 private:
  fs::path directory_;
};

class GivenSource : public FileSource {
 public:
  GivenSource(std::map<std::string, Blob> blobs, std::map<std::string, std::string> files)
      : blobs_(std::move(blobs)), files_(std::move(files)) {}

  std::optional<Blob> blob(const std::string& relpath) const override {
    auto it = blobs_.find(relpath);
    return it == blobs_.end() ? std::nullopt : std::optional(it->second);
  }

  std::map<std::string, std::string> files() const override { return files_; }

 private:
  std::map<std::string, Blob> blobs_;
  std::map<std::string, std::string> files_;
};

}  // namespace

std::unique_ptr<FileSource> diskSource(const fs::path& directory) {
  return std::make_unique<DiskSource>(directory.empty() ? fs::path(".") : directory);
}

std::unique_ptr<FileSource> givenSource(std::map<std::string, Blob> blobs,
                                        std::map<std::string, std::string> files) {
  return std::make_unique<GivenSource>(std::move(blobs), std::move(files));
}

}  // namespace drover::deploy
