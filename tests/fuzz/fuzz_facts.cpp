// Fuzz target for the YAML facts file parser, facts::parseFacts, and the typing of
// plain scalars (facts::typedScalar). A rejected file must be a facts::Error. Facts that
// parse travel in registration envelopes and are looked up by filters, so they must
// come back unchanged from the envelope codec and every top-level fact must be found
// by its name.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/envelope/envelope.hpp"
#include "core/facts/fact_set.hpp"
#include "core/facts/facts_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

void checkOnTheWire(const Json& facts) {
  envelope::Envelope registration;
  registration.type = envelope::MessageType::Registration;
  registration.id = "0123456789abcdef0123456789abcdef";
  registration.sender = "node";
  registration.collective = "drover";
  registration.data = facts;
  const std::string bytes = envelope::encode(registration);
  if (bytes.size() > envelope::kMaxEncodedSize) return;  // refused by size, and says so
  envelope::Envelope received;
  try {
    received = envelope::decode(bytes);
  } catch (const envelope::DecodeError& e) {
    fuzz::violated("facts fit in a registration envelope", e.what());
  }
  if (received.data != facts) {
    fuzz::violated("facts survive the envelope codec",
                   facts.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

void checkLookup(const Json& facts) {
  for (const auto& [name, value] : facts.items()) {
    const Json* found = facts::lookup(facts, name);
    if (found == nullptr || *found != value) {
      fuzz::violated("a top-level fact is found by its name", name);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::asText(data, size));
  facts::typedScalar(text);
  Json parsed;
  try {
    parsed = facts::parseFacts(text, "facts.yaml");
  } catch (const facts::Error&) {
    return 0;
  }
  if (!parsed.is_object()) fuzz::violated("facts are an object", parsed.type_name());
  checkOnTheWire(parsed);
  checkLookup(parsed);
  return 0;
}
