// Writes the trust material and seeds of fuzz_certificate: a throwaway CA's certificate
// and CRL (DATA_DIR, what the target trusts) and, in CORPUS_DIR, certificates of every
// role in PEM and DER, revoked, expired and not yet valid ones, the CA's own, the CRL,
// a CSR, a private key and envelopes signed by a node and by a revoked node.
//
//   fuzz_certificate_seeds DATA_DIR CORPUS_DIR
//
// The target verifies at the CA's notBefore plus one day (fuzz_certificate.cpp), so the
// seeds stay valid however old they get.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/envelope/envelope.hpp"
#include "core/security/ca.hpp"
#include "core/security/certificate.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"

namespace {

using namespace drover;
using namespace drover::security;
namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
  std::printf("%s: %zu bytes\n", file.c_str(), bytes.size());
}

struct Issued {
  PkeyPtr key;
  std::string pem;
};

Issued issue(CertificateAuthority& ca, const std::string& name, Role role,
             const CertificateAuthority::IssueOptions& options = {}) {
  Issued out{generateKey(), ""};
  out.pem = ca.sign(csrToPem(makeCsr(out.key.get(), name).get()), role, options);
  return out;
}

std::string der(const std::string& pem) { return certificateToDer(certificateFromPem(pem).get()); }

std::string signedRequest(Issued& node, const std::string& sender) {
  envelope::Envelope env;
  env.id = "5f1c0a8e3b2d4c6a9e7f1b3d5c7a9e0f";
  env.sender = sender;
  env.collective = "drover";
  env.agent = "rpcutil";
  env.action = "ping";
  env.time = 1700000000000;
  signEnvelope(env, Signer(std::move(node.key), node.pem));
  return envelope::encode(env);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path data = argv[1];
  const fs::path corpus = argv[2];
  fs::create_directories(data);
  fs::create_directories(corpus);
  char scratch[] = "/tmp/drover-fuzz-ca-XXXXXX";
  if (mkdtemp(scratch) == nullptr) return 1;
  auto ca = CertificateAuthority::create(fs::path(scratch) / "ca", "fuzz-ca");
  const std::int64_t caStart = notBeforeMs(certificateFromPem(ca.certificatePem()).get());
  const std::int64_t day = 86'400'000;

  auto node = issue(ca, "web1.example.com", Role::Node);
  auto admin = issue(ca, "alice.admin", Role::Admin);
  auto provisioner = issue(ca, "prov1.provisioner", Role::Provisioner);
  auto expired = issue(ca, "old.example.com", Role::Node, {1, caStart - 10 * day, caStart - day});
  auto future =
      issue(ca, "new.example.com", Role::Node, {1, caStart + 30 * day, caStart + 60 * day});
  auto revoked = issue(ca, "lost.example.com", Role::Node);
  ca.revoke("lost.example.com");

  write(data / "ca.pem", ca.certificatePem());
  write(data / "crl.pem", ca.crlPem());

  write(corpus / "node.pem", node.pem);
  write(corpus / "node.der", der(node.pem));
  write(corpus / "admin.pem", admin.pem);
  write(corpus / "provisioner.der", der(provisioner.pem));
  write(corpus / "expired.der", der(expired.pem));
  write(corpus / "not_yet_valid.der", der(future.pem));
  write(corpus / "revoked.der", der(revoked.pem));
  write(corpus / "ca.pem", ca.certificatePem());
  write(corpus / "crl.pem", ca.crlPem());
  write(corpus / "csr.pem", csrToPem(makeCsr(generateKey().get(), "web2.example.com").get()));
  write(corpus / "key.pem", privateKeyToPem(generateKey().get()));
  write(corpus / "signed_request.msgpack", signedRequest(node, "web1.example.com"));
  write(corpus / "revoked_signed_request.msgpack", signedRequest(revoked, "lost.example.com"));
  fs::remove_all(scratch);
  return 0;
}
