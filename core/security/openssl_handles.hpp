#pragma once
// OpenSSL handles owned by std::unique_ptr (STYLE.md, convention 9), so no raw handle
// outlives the line that made it, and OpenSslError, which carries OpenSSL's own
// error queue text so a failure says what the library saw.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drover::security {

/// Calls the OpenSSL free function `Fn` on a non-null pointer.
template <auto Fn>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* handle) const {
    Fn(handle);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;

/// A failed OpenSSL call: `what` names the operation, followed by the drained error
/// queue ("reading private key: error:1E08010C:DECODER routines::unsupported").
class OpenSslError : public std::runtime_error {
 public:
  explicit OpenSslError(const std::string& what);
};

/// Throws OpenSslError(what) unless `ok`.
void checkOpenSsl(bool ok, const std::string& what);

/// Takes ownership of `handle`; throws OpenSslError(what) if it is null.
template <typename Ptr>
Ptr ownOrThrow(typename Ptr::pointer handle, const std::string& what) {
  checkOpenSsl(handle != nullptr, what);
  return Ptr(handle);
}

/// A read-only memory BIO over `bytes` (which must outlive it). Throws OpenSslError.
BioPtr memoryBio(std::string_view bytes);

/// A fresh, empty, writable memory BIO. Throws OpenSslError.
BioPtr memoryBio();

/// Everything written to a memory BIO so far.
std::string bioContents(BIO* bio);

/// Drops whatever is left on this thread's OpenSSL error queue, so a later
/// OpenSslError does not report a stale, unrelated failure.
void clearOpenSslErrors();

}  // namespace drover::security
