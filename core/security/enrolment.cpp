#include "core/security/enrolment.hpp"

#include <array>
#include <ctime>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <yaml-cpp/yaml.h>

#include "core/security/asn1_time.hpp"
#include "core/security/keys.hpp"
#include "core/security/openssl_handles.hpp"
#include "core/util/files.hpp"

namespace drover::security {
namespace {

constexpr std::size_t kMinSecretBytes = 16;
// Domain separation: this MAC can never be mistaken for one made for another purpose.
constexpr std::string_view kProofLabel = "drover-enrolment-v1";

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

// "2026-12-01T00:00:00Z" (UTC, whole seconds), as formatUtc() writes it.
std::optional<std::int64_t> parseUtc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

bool equalInConstantTime(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string csrName(std::string_view csrPem) {
  try {
    X509ReqPtr csr = csrFromPem(csrPem);
    X509_NAME* subject = X509_REQ_get_subject_name(csr.get());
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                       static_cast<std::size_t>(ASN1_STRING_length(data)));
  } catch (const std::exception& e) {
    throw EnrolmentError(std::string("the CSR does not parse: ") + e.what());
  }
}

}  // namespace

ProvisioningToken ProvisioningToken::load(const std::filesystem::path& file) {
  std::string text;
  try {
    text = util::readFile(file);
  } catch (const std::exception& e) {
    throw EnrolmentError("provisioning token " + file.string() + ": " + e.what());
  }
  return parse(text, file.string());
}

ProvisioningToken ProvisioningToken::parse(std::string_view text, const std::string& source) {
  auto fail = [&](const std::string& why) {
    return EnrolmentError("provisioning token " + source + ": " + why);
  };
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const std::exception& e) {
    throw fail(e.what());
  }
  if (!doc.IsMap()) throw fail("expected a map with `token` and optionally `expires`");
  ProvisioningToken token;
  token.source = source;
  for (const auto& entry : doc) {
    std::string key = entry.first.as<std::string>("");
    if (key != "token" && key != "expires") throw fail("unknown key '" + key + "'");
    if (!entry.second.IsScalar()) throw fail("'" + key + "' must be a single value");
  }
  token.secret = doc["token"].as<std::string>("");
  if (token.secret.size() < kMinSecretBytes) {
    throw fail("`token` must be at least " + std::to_string(kMinSecretBytes) + " characters");
  }
  if (doc["expires"]) {
    std::string expires = doc["expires"].as<std::string>("");
    token.expiresMs = parseUtc(expires);
    if (!token.expiresMs) {
      throw fail("`expires` '" + expires + "' is not like 2026-12-01T00:00:00Z");
    }
  }
  return token;
}

ProvisioningToken ProvisioningToken::generate(int validDays) {
  std::array<unsigned char, 32> bytes{};
  checkOpenSsl(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1,
               "generating a provisioning token");
  ProvisioningToken token;
  token.secret = hex(bytes.data(), bytes.size());
  if (validDays > 0) {
    token.expiresMs = static_cast<std::int64_t>(std::time(nullptr)) * 1000 +
                      static_cast<std::int64_t>(validDays) * kMsPerDay;
  }
  return token;
}

std::string ProvisioningToken::toYaml() const {
  std::string out = "token: " + secret + "\n";
  if (expiresMs) out += "expires: " + formatUtc(*expiresMs) + "\n";
  return out;
}

std::string enrolmentProof(const ProvisioningToken& token, std::string_view identity,
                           std::string_view requestId, std::string_view csrPem) {
  // Fields joined with NUL, which none of them may contain: no two inputs share a MAC.
  std::string message(kProofLabel);
  for (std::string_view part : {identity, requestId, csrPem}) {
    message += '\0';
    message += part;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  checkOpenSsl(HMAC(EVP_sha256(), token.secret.data(), static_cast<int>(token.secret.size()),
                    reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
                    &size) != nullptr,
               "computing an enrolment proof");
  return hex(mac, size);
}

std::string checkEnrolment(const std::vector<ProvisioningToken>& accepted,
                           std::string_view identity, std::string_view requestId,
                           std::string_view csrPem, std::string_view proof, std::int64_t nowMs) {
  std::string named = csrName(csrPem);
  if (named != identity) {
    throw EnrolmentError("the CSR names '" + named + "', not the enrolling node '" +
                         std::string(identity) + "'");
  }
  for (const auto& token : accepted) {
    if (!equalInConstantTime(enrolmentProof(token, identity, requestId, csrPem), proof)) continue;
    if (token.expired(nowMs)) {
      throw EnrolmentError("provisioning token of " + std::string(identity) + " (" + token.source +
                           ") expired at " + formatUtc(*token.expiresMs));
    }
    return token.source;
  }
  throw EnrolmentError("wrong provisioning token: the enrolment proof of '" +
                       std::string(identity) + "' matches none of the accepted tokens");
}

}  // namespace drover::security
