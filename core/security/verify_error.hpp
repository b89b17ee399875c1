#pragma once
// The one error a security check raises: the message names the principal and what
// failed; reason() lets callers count or map refusals without parsing text.
#include <stdexcept>
#include <string>

namespace drover::security {

class VerifyError : public std::runtime_error {
 public:
  enum class Reason {
    Malformed,       // certificate bytes do not parse
    Untrusted,       // not issued by this collective's CA
    Expired,         // certificate past notAfter
    NotYetValid,     // certificate before notBefore
    Revoked,         // listed on the CRL
    CrlExpired,      // the CRL is past nextUpdate: nothing can be checked
    NoRole,          // no "drover:role:" URI
    BadRole,         // several roles, unknown role, or a name that does not fit the role
    BadKey,          // not an Ed25519 key
    Unsigned,        // message without a signature
    NoCertificate,   // message without the signer's certificate
    SenderMismatch,  // envelope sender is not the certificate's name
    BadSignature,    // signature does not verify
    Stale,           // older than its TTL
    FromFuture,      // sent further ahead than the allowed clock skew
    Replayed,        // id already seen within its TTL
    Other,
  };

  VerifyError(Reason reason, const std::string& what) : std::runtime_error(what), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

}  // namespace drover::security
