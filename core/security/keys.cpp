#include "core/security/keys.hpp"

#include <openssl/pem.h>
#include <sys/stat.h>

#include "core/log/log.hpp"
#include "core/security/roles.hpp"
#include "core/util/files.hpp"

namespace drover::security {

PkeyPtr generateKey() {
  auto ctx = ownOrThrow<PkeyCtxPtr>(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                    "creating an Ed25519 key context");
  checkOpenSsl(EVP_PKEY_keygen_init(ctx.get()) == 1, "starting Ed25519 key generation");
  EVP_PKEY* key = nullptr;
  checkOpenSsl(EVP_PKEY_keygen(ctx.get(), &key) == 1, "generating an Ed25519 key");
  return PkeyPtr(key);
}

std::string privateKeyToPem(EVP_PKEY* key) {
  BioPtr out = memoryBio();
  checkOpenSsl(PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
               "writing a private key as PEM");
  return bioContents(out.get());
}

PkeyPtr privateKeyFromPem(std::string_view pem) {
  BioPtr in = memoryBio(pem);
  auto key = ownOrThrow<PkeyPtr>(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr),
                                 "reading a PEM private key");
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    throw std::invalid_argument("private key is not an Ed25519 key");
  }
  return key;
}

void writePrivateKey(const std::filesystem::path& path, EVP_PKEY* key) {
  util::writeFileAtomically(path, privateKeyToPem(key), 0600);
}

PkeyPtr readPrivateKey(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    log::get("drover.security")
        ->warn("private key file={} is readable by group or others; chmod 600 it", path.string());
  }
  try {
    return privateKeyFromPem(util::readFile(path));
  } catch (const OpenSslError& e) {
    throw OpenSslError(path.string() + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path.string() + ": " + e.what());
  }
}

X509ReqPtr makeCsr(EVP_PKEY* key, const std::string& name) {
  if (!isValidName(name)) throw std::invalid_argument("name '" + name + "' is not valid");
  auto csr = ownOrThrow<X509ReqPtr>(X509_REQ_new(), "creating a CSR");
  X509_NAME* subject = X509_REQ_get_subject_name(csr.get());
  auto bytes = reinterpret_cast<const unsigned char*>(name.c_str());
  checkOpenSsl(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, bytes, -1, -1, 0) == 1,
               "setting the CSR's name");
  checkOpenSsl(X509_REQ_set_pubkey(csr.get(), key) == 1, "setting the CSR's key");
  checkOpenSsl(X509_REQ_sign(csr.get(), key, nullptr) > 0, "signing the CSR");
  return csr;
}

std::string csrToPem(X509_REQ* csr) {
  BioPtr out = memoryBio();
  checkOpenSsl(PEM_write_bio_X509_REQ(out.get(), csr) == 1, "writing a CSR as PEM");
  return bioContents(out.get());
}

X509ReqPtr csrFromPem(std::string_view pem) {
  BioPtr in = memoryBio(pem);
  return ownOrThrow<X509ReqPtr>(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr),
                                "reading a PEM CSR");
}

}  // namespace drover::security
