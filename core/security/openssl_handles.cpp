#include "core/security/openssl_handles.hpp"

#include <openssl/err.h>

#include <climits>

namespace drover::security {
namespace {

// The whole error queue, oldest first; OpenSSL often pushes a root cause followed by
// the callers that passed it on, and the root cause is the useful part.
std::string drainErrorQueue() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += text.empty() ? ": " : "; ";
    text += buffer;
  }
  return text;
}

}  // namespace

OpenSslError::OpenSslError(const std::string& what)
    : std::runtime_error(what + drainErrorQueue()) {}

void checkOpenSsl(bool ok, const std::string& what) {
  if (!ok) throw OpenSslError(what);
}

BioPtr memoryBio(std::string_view bytes) {
  checkOpenSsl(bytes.size() <= static_cast<std::size_t>(INT_MAX), "input too large for a BIO");
  return ownOrThrow<BioPtr>(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())),
                            "creating a memory BIO");
}

BioPtr memoryBio() { return ownOrThrow<BioPtr>(BIO_new(BIO_s_mem()), "creating a memory BIO"); }

std::string bioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  return mem == nullptr ? std::string() : std::string(mem->data, mem->length);
}

void clearOpenSslErrors() { ERR_clear_error(); }

}  // namespace drover::security
