#pragma once
// A content-addressed store of blobs uploaded in chunks, in one directory of its own:
// what cluster#put_chunk keeps on a node and provisioner#deploy_put_blob on the
// provisioner. A blob is named by its digest, "sha256:<64 lowercase hex>", and nothing
// else, so no caller chooses a path.
//
// Chunk rules: a blob of `size` bytes arrives in order; a chunk's offset must equal
// what is held, and offset 0 starts the upload over. A chunk sent again after its reply
// was lost (its bytes already held, unchanged) is accepted and changes nothing. When
// the bytes held reach `size` their sha256 is checked: a match makes the blob complete
// (renamed into place atomically, synced), a mismatch discards the upload. A complete
// blob answers complete at once, whatever chunk is sent.
//
// Layout: <dir>/<hex> for complete blobs, <dir>/partial/<hex>-<size> for uploads in
// progress (at most kMaxUploads; a new one beyond that drops the least recently
// written). Thread safe: one lock around every call.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drover::util {

inline constexpr std::size_t kMaxChunkBytes = 512 * 1024;
inline constexpr std::size_t kMaxUploads = 8;

/// A chunk refused; the message names the input that was wrong (digest, size, offset,
/// data) and what is held. The store is unchanged, except after a digest mismatch,
/// which discards the upload.
class BlobError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct BlobProgress {
  std::uint64_t held = 0;
  bool complete = false;
};

class BlobStore {
 public:
  /// Keeps blobs of at most `maxBlobBytes` in `dir` (made, with its parents, on the
  /// first chunk). Chunks hold at most `maxChunkBytes`.
  BlobStore(std::filesystem::path dir, std::uint64_t maxBlobBytes,
            std::size_t maxChunkBytes = kMaxChunkBytes);

  /// Adds `data` at `offset` to the blob `digest` of `size` bytes, by the rules above.
  /// Throws BlobError for a chunk that breaks them (a bad digest, size over the
  /// limit, data beyond size, an offset that does not follow what is held, a digest
  /// mismatch at the end), std::runtime_error naming the file when the disk fails.
  BlobProgress put(const std::string& digest, std::uint64_t size, std::uint64_t offset,
                   std::string_view data);

  /// The file of the complete blob `digest`; nullopt when it is not complete here (or
  /// `digest` is not a valid digest).
  std::optional<std::filesystem::path> find(const std::string& digest) const;

  /// Removes the complete blobs whose digest is not in `keep` and whose file is older
  /// than `grace` (a blob uploaded for a call still to come is younger). Returns how
  /// many went; a file that cannot be removed stays (and is tried at the next sweep).
  std::size_t sweep(const std::set<std::string>& keep, std::chrono::seconds grace);

  const std::filesystem::path& dir() const { return dir_; }
  std::uint64_t maxBlobBytes() const { return maxBlobBytes_; }

 private:
  void checkChunk(const std::string& digest, std::uint64_t size, std::uint64_t offset,
                  std::string_view data) const;
  std::filesystem::path partialFile(const std::string& hex, std::uint64_t size) const;
  std::uint64_t startOver(const std::string& hex, const std::filesystem::path& partial);
  void dropOldestUploads() const;
  BlobProgress complete(const std::string& digest, const std::filesystem::path& partial);

  std::filesystem::path dir_;
  std::uint64_t maxBlobBytes_;
  std::size_t maxChunkBytes_;
  mutable std::mutex mutex_;
};

/// "" when `digest` is "sha256:" followed by 64 lowercase hex digits, else why not.
std::string checkDigest(std::string_view digest);

/// "sha256:<hex>" of `bytes`.
std::string sha256Digest(std::string_view bytes);

/// "sha256:<hex>" of the file's content. Throws std::runtime_error naming the file.
std::string sha256DigestOfFile(const std::filesystem::path& file);

}  // namespace drover::util
