// Fuzz target for envelope::decode, the first code to touch every frame from the bus.
// A rejected frame must be a DecodeError (VersionError included), whose text quotes
// received bytes only clipped. An accepted one must
// survive encode -> decode -> encode unchanged: what a node re-sends (replies copy
// fields of requests) must read back as the same message.
#include <cstddef>
#include <cstdint>

#include "core/envelope/envelope.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

void checkRoundTrip(const envelope::Envelope& decoded) {
  const std::string once = envelope::encode(decoded);
  envelope::Envelope again;
  try {
    again = envelope::decode(once);
  } catch (const envelope::DecodeError& e) {
    fuzz::violated("a re-encoded envelope decodes", e.what());
  }
  if (envelope::encode(again) != once) {
    fuzz::violated("encode(decode(encode(e))) == encode(e)");
  }
  if (envelope::signingBytes(again) != envelope::signingBytes(decoded)) {
    fuzz::violated("signing bytes survive a round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  envelope::Envelope decoded;
  try {
    decoded = envelope::decode(fuzz::asText(data, size));
  } catch (const envelope::DecodeError& e) {
    // Bounded whatever the input: it goes into log lines.
    if (std::string_view(e.what()).size() > 400)
      fuzz::violated("a decode error stays short", e.what());
    return 0;
  }
  checkRoundTrip(decoded);
  return 0;
}
