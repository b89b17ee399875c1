#include "core/util/blob_store.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace drover::util {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "sha256:";

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

class Fd {
 public:
  Fd(const fs::path& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
    if (fd_ < 0) fail("cannot open", path);
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct DigestContext {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  DigestContext() {
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("cannot start a sha256 digest");
    }
  }
  void add(const void* data, std::size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(kPrefix);
    for (unsigned int i = 0; i < length; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }
};

void writeAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Whether the file holds exactly `data` at `offset`.
bool holds(const fs::path& path, std::uint64_t offset, std::string_view data) {
  Fd in(path, O_RDONLY);
  std::string read(data.size(), '\0');
  std::size_t got = 0;
  while (got < read.size()) {
    ssize_t n =
        ::pread(in.get(), read.data() + got, read.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return read == data;
}

std::uint64_t sizeOf(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

void syncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string tooBig(std::uint64_t size, std::uint64_t limit) {
  return "size: " + std::to_string(size) + " bytes is over the limit of " + std::to_string(limit) +
         " bytes";
}

}  // namespace

std::string checkDigest(std::string_view digest) {
  bool hex = digest.size() == kPrefix.size() + 64 && digest.starts_with(kPrefix) &&
             std::all_of(digest.begin() + kPrefix.size(), digest.end(),
                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (hex) return "";
  std::string shown(digest.substr(0, 80));
  return "'" + shown + (digest.size() > 80 ? "...'" : "'") +
         " is not a digest: expected sha256: followed by 64 lowercase hex digits";
}

std::string sha256Digest(std::string_view bytes) {
  DigestContext digest;
  digest.add(bytes.data(), bytes.size());
  return digest.finish();
}

std::string sha256DigestOfFile(const fs::path& file) {
  Fd in(file, O_RDONLY);
  DigestContext digest;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", file);
    if (n == 0) return digest.finish();
    digest.add(buffer.data(), static_cast<std::size_t>(n));
  }
}

BlobStore::BlobStore(fs::path dir, std::uint64_t maxBlobBytes, std::size_t maxChunkBytes)
    : dir_(std::move(dir)), maxBlobBytes_(maxBlobBytes), maxChunkBytes_(maxChunkBytes) {}

std::optional<fs::path> BlobStore::find(const std::string& digest) const {
  if (!checkDigest(digest).empty()) return std::nullopt;
  fs::path file = dir_ / digest.substr(kPrefix.size());
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(file, ec))) return std::nullopt;
  return file;
}

std::size_t BlobStore::sweep(const std::set<std::string>& keep, std::chrono::seconds grace) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return 0;
  auto before = fs::file_time_type::clock::now() - grace;
  std::size_t removed = 0;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string digest = std::string(kPrefix) + entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !checkDigest(digest).empty() || keep.contains(digest))
      continue;
    auto written = entry.last_write_time(ec);
    if (ec || written > before) continue;
    if (fs::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

void BlobStore::checkChunk(const std::string& digest, std::uint64_t size, std::uint64_t offset,
                           std::string_view data) const {
  if (std::string why = checkDigest(digest); !why.empty()) throw BlobError("digest: " + why);
  if (size > maxBlobBytes_) throw BlobError(tooBig(size, maxBlobBytes_));
  if (data.size() > maxChunkBytes_) {
    throw BlobError("data: a chunk of " + std::to_string(data.size()) + " bytes, at most " +
                    std::to_string(maxChunkBytes_));
  }
  if (offset > size || data.size() > size - offset) {
    throw BlobError("offset: " + std::to_string(data.size()) + " bytes at offset " +
                    std::to_string(offset) + " go past the blob's size " + std::to_string(size));
  }
}

BlobProgress BlobStore::put(const std::string& digest, std::uint64_t size, std::uint64_t offset,
                            std::string_view data) {
  checkChunk(digest, size, offset, data);
  std::lock_guard lock(mutex_);
  if (auto done = find(digest)) {
    std::uint64_t held = sizeOf(*done);
    if (held != size) {
      throw BlobError("size: " + std::to_string(size) + " bytes, but the complete blob " + digest +
                      " holds " + std::to_string(held));
    }
    return {held, true};
  }
  const std::string hex = digest.substr(kPrefix.size());
  fs::path partial = partialFile(hex, size);
  std::uint64_t held = offset == 0 ? startOver(hex, partial) : sizeOf(partial);
  if (offset < held && offset + data.size() <= held && holds(partial, offset, data)) {
    return {held, false};  // a chunk sent again: already held
  }
  if (offset != held) {
    throw BlobError("offset: " + std::to_string(offset) + " does not follow the " +
                    std::to_string(held) + " bytes held of " + digest + "; send from " +
                    std::to_string(held) + ", or from 0 to start over");
  }
  Fd out(partial, O_WRONLY | O_CREAT | O_APPEND);
  writeAll(out.get(), data, partial);
  held += data.size();
  if (held < size) return {held, false};
  return complete(digest, partial);
}

fs::path BlobStore::partialFile(const std::string& hex, std::uint64_t size) const {
  return dir_ / "partial" / (hex + "-" + std::to_string(size));
}

// Offset 0: every earlier upload of this digest (of any size) goes, and room is made.
std::uint64_t BlobStore::startOver(const std::string& hex, const fs::path& partial) {
  std::error_code ec;
  fs::create_directories(partial.parent_path(), ec);
  if (ec)
    throw std::runtime_error("cannot create " + partial.parent_path().string() + ": " +
                             ec.message());
  for (const auto& entry : fs::directory_iterator(partial.parent_path())) {
    if (entry.path().filename().string().starts_with(hex + "-")) fs::remove(entry.path(), ec);
  }
  dropOldestUploads();
  return 0;
}

void BlobStore::dropOldestUploads() const {
  std::vector<fs::directory_entry> uploads;
  for (const auto& entry : fs::directory_iterator(dir_ / "partial")) uploads.push_back(entry);
  if (uploads.size() < kMaxUploads) return;
  std::sort(uploads.begin(), uploads.end(),
            [](const auto& a, const auto& b) { return a.last_write_time() < b.last_write_time(); });
  std::error_code ec;
  for (std::size_t i = 0; i + kMaxUploads <= uploads.size(); ++i) fs::remove(uploads[i], ec);
}

BlobProgress BlobStore::complete(const std::string& digest, const fs::path& partial) {
  std::string got = sha256DigestOfFile(partial);
  if (got != digest) {
    std::uint64_t held = sizeOf(partial);
    std::error_code ec;
    fs::remove(partial, ec);
    throw BlobError("digest: the " + std::to_string(held) + " bytes received hash to " + got +
                    ", not " + digest + "; the upload was discarded");
  }
  {
    Fd file(partial, O_RDONLY);
    if (::fsync(file.get()) != 0) fail("cannot fsync", partial);
  }
  fs::path target = dir_ / digest.substr(kPrefix.size());
  if (::rename(partial.c_str(), target.c_str()) != 0) fail("cannot rename into place", target);
  syncDir(dir_);
  return {sizeOf(target), true};
}

}  // namespace drover::util
