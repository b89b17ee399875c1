#include "bench/fleet/fleet_security.hpp"

#include <chrono>
#include <stdexcept>

#include <fmt/format.h>
#include <unistd.h>

#include "core/security/certificate.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::bench {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSkewMs = 5 * 60 * 1000;            // as the CA's default notBefore
constexpr std::int64_t kValidityMs = 24 * 60 * 60 * 1000;  // outlives any benchmark

fs::path existing(const fs::path& dir, const char* name) {
  fs::path file = dir / name;
  if (!fs::exists(file)) {
    throw std::runtime_error("--security-dir " + dir.string() + ": no " + name +
                             " (make the directory with `drover cert ca create --dir`)");
  }
  return file;
}

}  // namespace

FleetSecurity::FleetSecurity(const fs::path& caDir, fs::path auditLog)
    : auditLog_(std::move(auditLog)),
      serialPrefix_(fmt::format("5{:08X}", static_cast<unsigned>(::getpid()))) {
  fs::path keyFile = existing(caDir, "ca.key");
  fs::path certFile = existing(caDir, "ca.crt");
  fs::path crlFile = existing(caDir, "crl.pem");
  try {
    caKey_ = security::readPrivateKey(keyFile);
    caCert_ = security::certificateFromPem(util::readFile(certFile));
    store_ = security::CertificateStore::open(certFile, crlFile);
  } catch (const std::exception& e) {
    throw std::runtime_error("--security-dir " + caDir.string() + ": " + e.what());
  }
  if (auditLog_.has_parent_path()) fs::create_directories(auditLog_.parent_path());
}

std::shared_ptr<node::NodeSecurity> FleetSecurity::forNode(const std::string& identity) {
  // Issued here rather than by CertificateAuthority::sign, which rewrites the CA's
  // index and serial files for every certificate.
  security::PkeyPtr key = security::generateKey();
  std::int64_t now = util::nowMs();
  security::CertificateSpec spec{identity, fmt::format("{}{:08X}", serialPrefix_, ++issued_),
                                 now - kSkewMs, now + kValidityMs};
  security::X509Ptr cert = security::makeLeafCertificate(caKey_.get(), caCert_.get(), key.get(),
                                                         security::Role::Node, spec);
  node::NodeSecurity::Parts parts;
  parts.mode = node::SecurityMode::Enforcing;
  parts.store = store_;
  parts.signer = std::make_shared<const security::Signer>(std::move(key),
                                                          security::certificateToDer(cert.get()));
  parts.audit = std::make_unique<policy::AuditLog>(auditLog_);  // authorizer: built-in defaults
  return std::make_shared<node::NodeSecurity>(std::move(parts));
}

}  // namespace drover::bench
