#pragma once
// The master's CA through `puppetserver ca ACTION --config <puppet.conf>`: that file
// names the CA's host and port and the master's own certificate, which carries the
// pp_cli_auth extension the CA's admin endpoints require.
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/puppetca/ca_listing.hpp"
#include "core/util/subprocess.hpp"

namespace drover::agents::puppetca {

/// What `puppetserver ca clean` did for one name.
enum class CleanOutcome {
  RevokedAndRemoved,  // rc 0 with "has been revoked": a signed certificate
  RemovedRevoked,     // rc 0 without a revocation: the certificate was revoked already
  RemovedRequest,     // rc 24: only a pending request was there
  NothingToClean,     // rc 1 with "Could not find files to clean"
  Failed,             // anything else: the CA is unreachable or refused
};

/// Maps the CLI's exit code and output of `clean` for one name.
CleanOutcome classifyClean(const util::SubprocessResult& result);

/// True when the output says the CA's HTTP API could not be reached.
bool isUnreachable(const util::SubprocessResult& result);

/// The lines that explain a failure, joined on one line, at most 400 bytes.
std::string failureText(const util::SubprocessResult& result);

/// A `puppetserver ca` call that failed; the message names the action, the config
/// file and what the CLI said ("CA unreachable" first when it was).
class CaError : public std::runtime_error {
 public:
  /// `unreachable`: puppetserver did not answer (refused, down, or hung past the deadline).
  explicit CaError(const std::string& what, bool unreachable = false)
      : std::runtime_error(what), unreachable_(unreachable) {}
  bool unreachable() const { return unreachable_; }

 private:
  bool unreachable_;
};

class PuppetCa {
 public:
  PuppetCa(std::string program, std::filesystem::path config);

  const std::filesystem::path& config() const { return config_; }

  /// Pending requests. Throws CaError.
  CaListing listPending(std::chrono::milliseconds timeout) const;
  /// The one entry for `certname` (state missing when the CA has nothing). Throws CaError.
  CaListing listOne(const std::string& certname, std::chrono::milliseconds timeout) const;
  /// Empty when this call signed; otherwise what the CA said when it refused (no
  /// request, or already signed: ask listOne which). Throws CaError when the CA cannot
  /// be reached.
  std::string sign(const std::string& certname, std::chrono::milliseconds timeout) const;
  /// Never CleanOutcome::Failed: throws CaError instead.
  CleanOutcome clean(const std::string& certname, std::chrono::milliseconds timeout) const;
  /// The fingerprint of the public key in what the CA holds for `entry` (a pending
  /// request or a signed certificate), read from the CA's files (ca_files.hpp). Throws
  /// CaError naming the file and the config when it cannot be told.
  std::string keyFingerprint(const CertEntry& entry) const;

 private:
  util::SubprocessResult run(const std::string& action, std::vector<std::string> args,
                             std::chrono::milliseconds timeout) const;
  [[noreturn]] void fail(const std::string& action, const util::SubprocessResult& result) const;

  std::string program_;
  std::filesystem::path config_;
};

}  // namespace drover::agents::puppetca
