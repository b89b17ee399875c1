#pragma once
// Standard base64 (RFC 4648 section 4, with padding), as chunks of files travel in
// JSON request arguments (cluster#put_chunk, provisioner#deploy_put_blob).
#include <optional>
#include <string>
#include <string_view>

namespace drover::util {

std::string encodeBase64(std::string_view bytes);

/// The bytes `text` encodes, or nullopt when it is not canonical base64: a length
/// that is not a multiple of 4, a character outside the alphabet (whitespace
/// included), padding anywhere but at the end, or pad bits that are not zero.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace drover::util
