// Fuzz target for first-boot enrolment's decoders (core/security/enrolment.hpp): the
// provisioning token file and the enrol reply a provisioner checks (a CSR and a proof
// from an unauthenticated node). Input: token text, NUL, CSR text, NUL, proof.
// A token either parses or is an EnrolmentError naming its source; checking a reply
// either accepts (only with the right proof for a CSR naming the node) or refuses
// with EnrolmentError, never anything else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/security/enrolment.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace drover;

constexpr const char* kSource = "fuzz.token";
constexpr std::int64_t kNow = 1'800'000'000'000;

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 2; ++i) {
    std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  parts.push_back(text);
  while (parts.size() < 3) parts.emplace_back();
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = split(fuzz::asText(data, size));
  security::ProvisioningToken token;
  try {
    token = security::ProvisioningToken::parse(parts[0], kSource);
  } catch (const security::EnrolmentError& e) {
    if (std::string(e.what()).find(kSource) == std::string::npos) {
      fuzz::violated("token error does not name its source", e.what());
    }
    token.secret = "0123456789abcdef0123";  // still check the reply against some token
  }
  if (!token.secret.empty() && token.secret.size() < 16) {
    fuzz::violated("a token shorter than 16 characters was accepted", token.secret);
  }
  std::string csr(parts[1]);
  std::string proof(parts[2]);
  try {
    security::checkEnrolment({token}, "web1", "request-1", csr, proof, kNow);
    // Accepted: the proof must be the one the token makes.
    if (proof != security::enrolmentProof(token, "web1", "request-1", csr)) {
      fuzz::violated("a reply was accepted with a proof the token does not make");
    }
  } catch (const security::EnrolmentError&) {
  }
  return 0;
}
