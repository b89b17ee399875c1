#include "cli/commands/deploy_upload.hpp"

#include <fstream>

#include <openssl/evp.h>

namespace drover::cli {
namespace {

std::uint64_t heldOf(const Json& reply) {
  auto it = reply.find("held");
  if (it == reply.end() || !it->is_number_unsigned()) {
    throw UploadError("the provisioner's reply to deploy_put_blob has no 'held' count: " +
                      reply.dump());
  }
  return it->get<std::uint64_t>();
}

std::string readAt(const LocalBlob& blob, std::uint64_t offset, std::uint64_t length) {
  std::ifstream in(blob.path, std::ios::binary);
  std::string bytes(length, '\0');
  if (in) in.seekg(static_cast<std::streamoff>(offset));
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(length))) {
    throw UploadError(blob.path.string() + ": cannot read " + std::to_string(length) +
                      " bytes at offset " + std::to_string(offset) + " (the file is " +
                      std::to_string(blob.size) + " bytes as loaded; did it change?)");
  }
  return bytes;
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Json putBlobArgs(const LocalBlob& blob, std::uint64_t offset) {
  if (offset > blob.size) {
    throw UploadError(blob.path.string() + ": no chunk at offset " + std::to_string(offset) +
                      " of " + std::to_string(blob.size) + " bytes");
  }
  std::uint64_t length = std::min(kChunkBytes, blob.size - offset);
  return Json{{"digest", blob.digest},
              {"size", blob.size},
              {"offset", offset},
              {"data", base64(readAt(blob, offset, length))}};
}

std::optional<std::uint64_t> nextOffset(const LocalBlob& blob, std::uint64_t offset,
                                        const Json& reply) {
  if (reply.value("complete", false)) return std::nullopt;
  const std::uint64_t held = heldOf(reply);
  const std::string where = blob.path.string() + " (" + blob.digest + ")";
  if (held >= blob.size) {
    throw UploadError(where + ": the provisioner holds " + std::to_string(held) + " of " +
                      std::to_string(blob.size) + " bytes but not complete");
  }
  if (held <= offset) {
    throw UploadError(where + ": the provisioner holds " + std::to_string(held) +
                      " bytes after the chunk at offset " + std::to_string(offset) +
                      "; the upload makes no progress");
  }
  return held;
}

std::size_t uploadBlob(const LocalBlob& blob, const std::function<Json(const Json&)>& send) {
  std::size_t chunks = 0;
  std::optional<std::uint64_t> offset = 0;
  while (offset) {
    Json reply = send(putBlobArgs(blob, *offset));
    ++chunks;
    offset = nextOffset(blob, *offset, reply);
  }
  return chunks;
}

}  // namespace drover::cli
