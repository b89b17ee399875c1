#pragma once
// Helpers shared by the fuzz targets.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace drover::fuzz {

/// The fuzzer's bytes as text (decoders take arbitrary bytes, not only UTF-8).
inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Reports a broken property (as opposed to a rejected input) and aborts, which both
/// libFuzzer and the standalone replay driver record as a failing input.
[[noreturn]] inline void violated(const std::string& property, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz property violated: %s\n%s\n", property.c_str(), detail.c_str());
  std::abort();
}

}  // namespace drover::fuzz
