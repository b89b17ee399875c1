#pragma once
// Message security for a simulated fleet, built the way droverd builds its own
// (NodeSecurity::fromConfig) but for many nodes at once and without files per node:
// every virtual node gets a fresh Ed25519 key and a node certificate issued in memory
// by the collective's CA, and an enforcing NodeSecurity with its own signer and replay
// cache. What a process's nodes share is what one machine's trust would be: the CA
// certificate and CRL (one CertificateStore, so its verification cache) and one audit
// file, to which each node appends through its own AuditLog (NodeSecurity owns one).
//
// Thread ownership: the thread that builds the fleet.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/security/certificate_store.hpp"
#include "core/security/openssl_handles.hpp"
#include "node/node_security.hpp"

namespace drover::bench {

class FleetSecurity {
 public:
  /// Reads ca.key, ca.crt and crl.pem from `caDir` (`drover cert ca create --dir`).
  /// Every node's audit lines go to `auditLog`. Throws std::runtime_error naming the
  /// file that is missing or broken.
  FleetSecurity(const std::filesystem::path& caDir, std::filesystem::path auditLog);

  /// An enforcing NodeSecurity for `identity`: a new key and a node certificate valid
  /// from five minutes ago for a day. Throws OpenSslError, std::system_error (audit file).
  std::shared_ptr<node::NodeSecurity> forNode(const std::string& identity);

 private:
  security::PkeyPtr caKey_;
  security::X509Ptr caCert_;
  std::shared_ptr<security::CertificateStore> store_;
  std::filesystem::path auditLog_;
  std::string serialPrefix_;  // keeps serials of concurrent simulators apart
  std::uint64_t issued_ = 0;
};

}  // namespace drover::bench
