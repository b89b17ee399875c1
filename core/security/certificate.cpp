#include "core/security/certificate.hpp"

#include <openssl/pem.h>

#include <climits>

#include "core/security/asn1_time.hpp"
#include "core/security/roles.hpp"

namespace drover::security {
namespace {

std::string toHex(const unsigned char* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

// The one CN entry of `subject`, or null when it has none or several (ambiguous).
X509_NAME_ENTRY* singleCommonName(X509_NAME* subject) {
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) return nullptr;
  return X509_NAME_get_entry(subject, index);
}

}  // namespace

X509Ptr certificateFromPem(std::string_view pem) {
  BioPtr in = memoryBio(pem);
  return ownOrThrow<X509Ptr>(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr),
                             "reading a PEM certificate");
}

X509Ptr certificateFromDer(std::string_view der) {
  checkOpenSsl(der.size() <= static_cast<std::size_t>(LONG_MAX), "certificate too large");
  auto start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = start;
  auto cert = ownOrThrow<X509Ptr>(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())),
                                  "reading a DER certificate");
  checkOpenSsl(cursor == start + der.size(), "reading a DER certificate: trailing bytes");
  return cert;
}

bool isPem(std::string_view bytes) { return bytes.find("-----BEGIN") != std::string_view::npos; }

X509Ptr parseCertificate(std::string_view pemOrDer) {
  return isPem(pemOrDer) ? certificateFromPem(pemOrDer) : certificateFromDer(pemOrDer);
}

std::string certificateToPem(X509* cert) {
  BioPtr out = memoryBio();
  checkOpenSsl(PEM_write_bio_X509(out.get(), cert) == 1, "writing a certificate as PEM");
  return bioContents(out.get());
}

std::string certificateToDer(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  checkOpenSsl(size > 0, "encoding a certificate as DER");
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return bytes;
}

std::string certificateName(X509* cert) { return commonName(X509_get_subject_name(cert)); }

std::string commonName(X509_NAME* subject) {
  X509_NAME_ENTRY* entry = singleCommonName(subject);
  if (entry == nullptr) return {};
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  checkOpenSsl(size >= 0, "decoding a certificate's common name");
  std::string name(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
  OPENSSL_free(utf8);
  return name;
}

std::string fingerprintOf(std::string_view der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  checkOpenSsl(EVP_Digest(der.data(), der.size(), digest, &size, EVP_sha256(), nullptr) == 1,
               "hashing a certificate");
  return toHex(digest, size);
}

std::int64_t notBeforeMs(X509* cert) { return asn1TimeToMs(X509_get0_notBefore(cert)); }

std::int64_t notAfterMs(X509* cert) { return asn1TimeToMs(X509_get0_notAfter(cert)); }

std::string serialHex(X509* cert) {
  auto number = ownOrThrow<BignumPtr>(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr),
                                      "reading a certificate serial");
  char* hex = BN_bn2hex(number.get());
  checkOpenSsl(hex != nullptr, "formatting a certificate serial");
  std::string text(hex);
  OPENSSL_free(hex);
  return text;
}

X509CrlPtr crlFromPem(std::string_view pem) {
  BioPtr in = memoryBio(pem);
  return ownOrThrow<X509CrlPtr>(PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr),
                                "reading a PEM CRL");
}

std::string crlToPem(X509_CRL* crl) {
  BioPtr out = memoryBio();
  checkOpenSsl(PEM_write_bio_X509_CRL(out.get(), crl) == 1, "writing a CRL as PEM");
  return bioContents(out.get());
}

std::vector<std::string> roleUris(X509* cert) {
  auto names = GeneralNamesPtr(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> uris;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                     static_cast<std::size_t>(ASN1_STRING_length(uri)));
    if (text.starts_with(kRoleUriPrefix)) uris.push_back(std::move(text));
  }
  return uris;
}

}  // namespace drover::security
