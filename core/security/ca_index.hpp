#pragma once
// The CA directory's bookkeeping files: `index` (one line per issued certificate) and
// `serial` (the next serial number), and the lock that serialises changes to them.
//
// An index line holds tab-separated fields, like OpenSSL's index.txt:
//   <V|R> <serial hex> <name> <role> <notBefore ms> <notAfter ms> <revokedAt ms|0> <sha256>
// V = valid, R = revoked. Names cannot hold tabs (roles.hpp), so no quoting is needed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/security/roles.hpp"

namespace drover::security {

/// One certificate the CA has issued, as the index records it.
struct IssuedCertificate {
  std::string serial;  // uppercase hex
  std::string name;
  Role role = Role::Node;
  std::int64_t notBeforeMs = 0;
  std::int64_t notAfterMs = 0;
  std::string fingerprint;  // lowercase hex SHA-256 of the DER certificate
  bool revoked = false;
  std::int64_t revokedAtMs = 0;

  /// Neither revoked nor expired at `nowMs`: what blocks a second certificate.
  bool liveAt(std::int64_t nowMs) const { return !revoked && nowMs < notAfterMs; }
};

/// Reads an index file. Throws std::runtime_error naming file:line for a bad line.
std::vector<IssuedCertificate> readIndex(const std::filesystem::path& path);

/// Replaces an index file atomically. Throws std::runtime_error naming the path.
void writeIndex(const std::filesystem::path& path, const std::vector<IssuedCertificate>& entries);

/// Reads the next serial (hex) from a serial file. Throws std::runtime_error.
std::string readSerial(const std::filesystem::path& path);

/// The serial after `hex`, in uppercase hex. Throws std::invalid_argument.
std::string nextSerial(const std::string& hex);

/// An exclusive flock(2) on a file, held for the object's lifetime, so two processes
/// (say a provisioner and `drover ca revoke`) never interleave index updates.
class DirectoryLock {
 public:
  /// Blocks until the lock is held. Throws std::runtime_error naming the path.
  explicit DirectoryLock(const std::filesystem::path& lockFile);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace drover::security
