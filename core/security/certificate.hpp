#pragma once
// Reading X.509 certificates and the facts a verifier needs from them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/security/openssl_handles.hpp"

namespace drover::security {

/// Parses a PEM certificate. Throws OpenSslError.
X509Ptr certificateFromPem(std::string_view pem);

/// Parses a DER certificate; trailing bytes are refused. Throws OpenSslError.
X509Ptr certificateFromDer(std::string_view der);

/// True if `bytes` looks like PEM text rather than DER.
bool isPem(std::string_view bytes);

/// Parses PEM or DER, whichever `bytes` is. Throws OpenSslError.
X509Ptr parseCertificate(std::string_view pemOrDer);

/// Throws OpenSslError.
std::string certificateToPem(X509* cert);
std::string certificateToDer(X509* cert);

/// The single common name (CN) in `subject`; empty when it has none or several.
/// Throws OpenSslError if the name cannot be decoded.
std::string commonName(X509_NAME* subject);

/// commonName() of the certificate's subject. Throws OpenSslError.
std::string certificateName(X509* cert);

/// Lowercase hex SHA-256 of `der`: a certificate's fingerprint. Throws OpenSslError.
std::string fingerprintOf(std::string_view der);

/// Validity bounds in ms since the epoch. Throws OpenSslError.
std::int64_t notBeforeMs(X509* cert);
std::int64_t notAfterMs(X509* cert);

/// The serial number in uppercase hex, as the CA's index records it. Throws OpenSslError.
std::string serialHex(X509* cert);

/// Parses a PEM CRL. Throws OpenSslError.
X509CrlPtr crlFromPem(std::string_view pem);

/// PEM text of a CRL. Throws OpenSslError.
std::string crlToPem(X509_CRL* crl);

/// Every subjectAltName URI of the certificate that starts with "drover:role:".
std::vector<std::string> roleUris(X509* cert);

}  // namespace drover::security
