#pragma once
// The JSON that `puppetserver ca list --format json` prints: objects grouped by state
// ("requested", "signed", "revoked") plus the names it could not find ("missing").
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::agents::puppetca {

struct CertEntry {
  std::string name;
  std::string state;        // requested, signed or revoked
  std::string fingerprint;  // SHA-256, colon-separated upper-case hex
  std::vector<std::string> dnsAltNames;
  std::string notAfter;  // as puppetserver prints it; empty for requests
};

struct CaListing {
  std::vector<CertEntry> requested;
  std::vector<CertEntry> signedCerts;
  std::vector<CertEntry> revoked;
  std::vector<std::string> missing;

  /// The entry for `certname` in any state, or nullptr.
  const CertEntry* find(const std::string& certname) const;
  /// requested, signed, revoked or missing (also when the name is in no list).
  std::string stateOf(const std::string& certname) const;
};

/// Parses the CLI's JSON. Throws std::runtime_error when it is not that JSON.
CaListing parseCaListing(std::string_view json);

/// One pending request as puppetca#list reports it.
Json toJson(const CertEntry& entry);

}  // namespace drover::agents::puppetca
