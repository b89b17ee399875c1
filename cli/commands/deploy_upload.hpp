#pragma once
// Bundles reach the provisioner in chunks (provisioner/control.hpp: deploy_put_blob {digest, size,
// offset, data} -> {held, complete}, the chunk rules of cluster#put_chunk): data is
// base64 of at most 512 KiB read from the file at `offset`; the provisioner appends a
// chunk whose offset equals what it holds (0 starts over) and checks the digest once it
// holds `size` bytes. A bundle it already holds complete answers complete to the first
// chunk, so nothing more is sent. The next chunk starts where the reply says the
// provisioner stands, so a reply that makes no progress or claims more than the size
// ends the upload with an error instead of looping or skipping bytes.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/util/json.hpp"

namespace drover::cli {

inline constexpr std::uint64_t kChunkBytes = 512 * 1024;

/// A bundle on this machine, with the digest and size the deployment loader found.
struct LocalBlob {
  std::filesystem::path path;
  std::string digest;  // "sha256:<64 hex>"
  std::uint64_t size = 0;
};

class UploadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Standard base64 (RFC 4648, padded).
std::string base64(std::string_view bytes);

/// The deploy_put_blob arguments of the chunk starting at `offset`: at most kChunkBytes
/// of the file (none when offset == size). Throws UploadError naming the file when it
/// cannot be read there or is shorter than the loader said.
Json putBlobArgs(const LocalBlob& blob, std::uint64_t offset);

/// Where the next chunk starts after the chunk at `offset` got `reply`; std::nullopt
/// once the provisioner holds the bundle complete. Throws UploadError when the reply
/// holds no more than before, more than the size, or the size without being complete.
std::optional<std::uint64_t> nextOffset(const LocalBlob& blob, std::uint64_t offset,
                                        const Json& reply);

/// Sends a bundle chunk by chunk through `send` (one deploy_put_blob; returns the reply's
/// data, throws when refused). Returns the number of chunks sent.
std::size_t uploadBlob(const LocalBlob& blob, const std::function<Json(const Json&)>& send);

}  // namespace drover::cli
