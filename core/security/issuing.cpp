#include "core/security/issuing.hpp"

#include "core/security/asn1_time.hpp"

namespace drover::security {
namespace {

Asn1IntegerPtr serialNumber(const std::string& hex) {
  BIGNUM* raw = nullptr;
  checkOpenSsl(BN_hex2bn(&raw, hex.c_str()) > 0, "parsing serial " + hex);
  BignumPtr number(raw);
  return ownOrThrow<Asn1IntegerPtr>(BN_to_ASN1_INTEGER(number.get(), nullptr),
                                    "encoding serial " + hex);
}

Asn1TimePtr asn1Time(std::int64_t ms) {
  auto time = ownOrThrow<Asn1TimePtr>(ASN1_TIME_new(), "allocating a time");
  setAsn1Time(time.get(), ms);
  return time;
}

// Adds one extension written in openssl.cnf syntax ("critical,CA:FALSE").
void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  auto ext = ownOrThrow<X509ExtensionPtr>(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()),
                                          "building extension " + value);
  checkOpenSsl(X509_add_ext(cert, ext.get(), -1) == 1, "adding extension " + value);
}

// Version, serial, subject, validity and key: what every certificate has.
X509Ptr newCertificate(EVP_PKEY* subjectKey, const CertificateSpec& spec) {
  auto cert = ownOrThrow<X509Ptr>(X509_new(), "allocating a certificate");
  checkOpenSsl(X509_set_version(cert.get(), X509_VERSION_3) == 1, "setting the version");
  checkOpenSsl(X509_set_serialNumber(cert.get(), serialNumber(spec.serialHex).get()) == 1,
               "setting the serial");
  auto bytes = reinterpret_cast<const unsigned char*>(spec.name.c_str());
  checkOpenSsl(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                          bytes, -1, -1, 0) == 1,
               "setting the subject name");
  setAsn1Time(X509_getm_notBefore(cert.get()), spec.notBeforeMs);
  setAsn1Time(X509_getm_notAfter(cert.get()), spec.notAfterMs);
  checkOpenSsl(X509_set_pubkey(cert.get(), subjectKey) == 1, "setting the public key");
  return cert;
}

void addCrlEntry(X509_CRL* crl, const RevokedSerial& entry) {
  auto item = ownOrThrow<X509RevokedPtr>(X509_REVOKED_new(), "allocating a CRL entry");
  checkOpenSsl(
      X509_REVOKED_set_serialNumber(item.get(), serialNumber(entry.serialHex).get()) == 1 &&
          X509_REVOKED_set_revocationDate(item.get(), asn1Time(entry.revokedAtMs).get()) == 1,
      "filling the CRL entry for serial " + entry.serialHex);
  checkOpenSsl(X509_CRL_add0_revoked(crl, item.get()) == 1, "adding a CRL entry");
  item.release();  // now owned by the CRL
}

// RFC 5280 asks every CRL for the issuer's key id and a CRL number that only grows.
void addCrlExtensions(X509_CRL* crl, X509* caCert, std::int64_t nowMs) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, caCert, nullptr, nullptr, crl, 0);
  auto akid = ownOrThrow<X509ExtensionPtr>(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"),
      "building the CRL's authority key identifier");
  checkOpenSsl(X509_CRL_add_ext(crl, akid.get(), -1) == 1, "adding the authority key id");
  auto number = ownOrThrow<Asn1IntegerPtr>(ASN1_INTEGER_new(), "allocating the CRL number");
  checkOpenSsl(ASN1_INTEGER_set_int64(number.get(), nowMs) == 1 &&
                   X509_CRL_add1_ext_i2d(crl, NID_crl_number, number.get(), 0, 0) == 1,
               "adding the CRL number");
}

}  // namespace

X509Ptr makeCaCertificate(EVP_PKEY* key, const CertificateSpec& spec) {
  X509Ptr cert = newCertificate(key, spec);
  X509* self = cert.get();
  checkOpenSsl(X509_set_issuer_name(self, X509_get_subject_name(self)) == 1, "setting the issuer");
  addExtension(self, self, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  addExtension(self, self, NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(self, self, NID_subject_key_identifier, "hash");
  addExtension(self, self, NID_authority_key_identifier, "keyid:always");
  checkOpenSsl(X509_sign(self, key, nullptr) > 0, "self-signing the CA certificate");
  return cert;
}

X509Ptr makeLeafCertificate(EVP_PKEY* caKey, X509* caCert, EVP_PKEY* subjectKey, Role role,
                            const CertificateSpec& spec) {
  X509Ptr cert = newCertificate(subjectKey, spec);
  checkOpenSsl(X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert)) == 1,
               "setting the issuer");
  addExtension(cert.get(), caCert, NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), caCert, NID_key_usage, "critical,digitalSignature");
  addExtension(cert.get(), caCert, NID_subject_key_identifier, "hash");
  addExtension(cert.get(), caCert, NID_authority_key_identifier, "keyid:always");
  addExtension(cert.get(), caCert, NID_subject_alt_name, "URI:" + roleUri(role));
  checkOpenSsl(X509_sign(cert.get(), caKey, nullptr) > 0, "signing certificate for " + spec.name);
  return cert;
}

X509CrlPtr makeCrl(EVP_PKEY* caKey, X509* caCert, const std::vector<RevokedSerial>& revoked,
                   std::int64_t nowMs, std::int64_t nextUpdateMs) {
  auto crl = ownOrThrow<X509CrlPtr>(X509_CRL_new(), "allocating a CRL");
  checkOpenSsl(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "setting the CRL version");
  checkOpenSsl(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(caCert)) == 1,
               "setting the CRL issuer");
  checkOpenSsl(X509_CRL_set1_lastUpdate(crl.get(), asn1Time(nowMs).get()) == 1,
               "setting lastUpdate");
  checkOpenSsl(X509_CRL_set1_nextUpdate(crl.get(), asn1Time(nextUpdateMs).get()) == 1,
               "setting nextUpdate");
  for (const auto& entry : revoked) addCrlEntry(crl.get(), entry);
  addCrlExtensions(crl.get(), caCert, nowMs);
  checkOpenSsl(X509_CRL_sort(crl.get()) == 1 && X509_CRL_sign(crl.get(), caKey, nullptr) > 0,
               "signing the CRL");
  return crl;
}

}  // namespace drover::security
