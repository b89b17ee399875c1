#pragma once
// Ed25519 private keys and certificate signing requests. Keys are stored as unencrypted
// PKCS#8 PEM: the file mode (0600) protects them, as for SSH host keys.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/security/openssl_handles.hpp"

namespace drover::security {

/// A fresh Ed25519 private key. Throws OpenSslError.
PkeyPtr generateKey();

/// PKCS#8 PEM text of a private key. Throws OpenSslError.
std::string privateKeyToPem(EVP_PKEY* key);

/// Parses a PEM private key; only Ed25519 keys are accepted.
/// Throws OpenSslError if unreadable, std::invalid_argument for another key type.
PkeyPtr privateKeyFromPem(std::string_view pem);

/// Writes `key` to `path` atomically with mode 0600 (never briefly world-readable).
/// Throws OpenSslError, std::runtime_error naming the path.
void writePrivateKey(const std::filesystem::path& path, EVP_PKEY* key);

/// Reads a private key written by writePrivateKey(); warns when the file is readable
/// by group or others. Throws std::runtime_error naming the path, OpenSslError,
/// std::invalid_argument as privateKeyFromPem().
PkeyPtr readPrivateKey(const std::filesystem::path& path);

/// A CSR with subject CN=`name`, signed by `key`. The CA takes nothing else from it.
/// Throws std::invalid_argument if `name` is not valid (roles.hpp), OpenSslError.
X509ReqPtr makeCsr(EVP_PKEY* key, const std::string& name);

/// PEM text of a CSR. Throws OpenSslError.
std::string csrToPem(X509_REQ* csr);

/// Parses a PEM CSR. Throws OpenSslError.
X509ReqPtr csrFromPem(std::string_view pem);

}  // namespace drover::security
