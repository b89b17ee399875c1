#pragma once
// The legacy updater (naming.legacy_updater): a program of the site's whose output goes
// first in the names block, as Aerostat's --legacy-updater did with /etc/hosts.legacy.
// It runs without a shell, with a bounded output and time.
#include <chrono>
#include <string>
#include <vector>

namespace drover::agents::naming {

inline constexpr std::chrono::seconds kLegacyTimeout{10};
inline constexpr std::size_t kLegacyMaxOutput = std::size_t{1} << 20;

struct LegacyOutput {
  bool ok = false;
  std::string lines;  // its stdout, when ok
  std::string error;  // why it is not used, when not ok
};

/// Runs `argv`. Not ok (with the reason) when it cannot start, exits non-zero, is killed,
/// runs past kLegacyTimeout, prints more than kLegacyMaxOutput bytes (a cut line would
/// be a wrong entry), prints a NUL byte, or prints one of the block's marker lines
/// (which would end the block early). Never throws.
LegacyOutput runLegacyUpdater(const std::vector<std::string>& argv);

}  // namespace drover::agents::naming
