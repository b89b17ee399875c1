#include "agents/naming/legacy_updater.hpp"

#include <sstream>

#include "agents/naming/hosts_block.hpp"
#include "core/util/subprocess.hpp"

namespace drover::agents::naming {
namespace {

LegacyOutput failed(const std::string& why) { return {false, "", why}; }

std::string describeExit(const util::SubprocessResult& run) {
  if (run.timedOut) return "ran longer than " + std::to_string(kLegacyTimeout.count()) + " s";
  if (run.signal != 0) return "was killed by signal " + std::to_string(run.signal);
  std::string err = run.err.substr(0, 200);
  return "exited with status " + std::to_string(run.exitCode) + (err.empty() ? "" : ": " + err);
}

bool printsMarker(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (isMarkerLine(line)) return true;
  }
  return false;
}

}  // namespace

LegacyOutput runLegacyUpdater(const std::vector<std::string>& argv) {
  util::SubprocessOptions options;
  options.maxOutputBytes = kLegacyMaxOutput;
  util::SubprocessResult run;
  try {
    run = util::runProcess(argv, "", kLegacyTimeout, options);
  } catch (const std::exception& e) {
    return failed(std::string("could not run: ") + e.what());
  }
  if (run.timedOut || run.signal != 0 || run.exitCode != 0) return failed(describeExit(run));
  if (run.outputTruncated) {
    return failed("printed more than " + std::to_string(kLegacyMaxOutput) + " bytes");
  }
  if (run.out.find('\0') != std::string::npos) return failed("printed a NUL byte");
  if (printsMarker(run.out)) return failed("printed a line of the names block's markers");
  return {true, std::move(run.out), ""};
}

}  // namespace drover::agents::naming
