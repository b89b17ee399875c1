#pragma once
// Prometheus's own linter on a /metrics text, for the suites that scrape one.
#include <chrono>
#include <string>

#include "core/util/subprocess.hpp"

namespace drover::integration {

/// Empty when `promtool check metrics` finds the text valid and conventional (names,
/// units, _total counters, HELP); else its exit status and what it said.
inline std::string promtoolProblems(const std::string& text) {
  util::SubprocessResult run =
      util::runProcess({"/usr/bin/promtool", "check", "metrics"}, text, std::chrono::seconds(30));
  if (run.exitCode == 0 && run.out.empty() && run.err.empty()) return "";
  return "exit " + std::to_string(run.exitCode) + ": " + run.out + run.err;
}

}  // namespace drover::integration
