// naming#update_hosts: the names block of the hosts file, newest version only.
#include "agents/naming/legacy_updater.hpp"
#include "agents/naming/naming_agent.hpp"
#include "agents/provision/hosts_file.hpp"
#include "core/log/log.hpp"
#include "core/naming/names.hpp"
#include "core/util/files.hpp"

namespace drover::agents::naming {
namespace {

namespace fs = std::filesystem;

const log::Logger logger{"drover.agents.naming"};

std::vector<HostsEntry> entriesOf(const Json& args) {
  std::string domain = args.value("domain", "");
  std::string why = domain.empty() ? "" : ::drover::naming::checkHostName(domain);
  if (!why.empty()) throw ActionError(envelope::StatusCode::InvalidData, "domain: " + why);
  try {
    return entriesFrom(args.value("entries", Json::array()));
  } catch (const BadEntries& e) {
    throw ActionError(envelope::StatusCode::InvalidData, e.what());
  }
}

// The file's text and mode; "" and 0644 (its directory made) when it does not exist.
std::string readHosts(const fs::path& file, unsigned& mode) {
  std::error_code ec;
  mode = 0644;
  if (fs::exists(file, ec)) {
    mode = static_cast<unsigned>(fs::status(file).permissions() & fs::perms::mask);
    return util::readFile(file);
  }
  fs::create_directories(file.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create " + file.parent_path().string() + ": " + ec.message());
  }
  return "";
}

}  // namespace

Reply NamingAgent::updateHosts(const Request& request) {
  std::vector<HostsEntry> entries = entriesOf(request.args);
  std::int64_t version = request.args.value("version", std::int64_t{0});
  std::lock_guard write(writeMutex_);
  std::int64_t current = record().hostsVersion;
  if (version <= current) {
    return {{}, {{"version", current}, {"applied", false}, {"changed", false}}};
  }
  std::string problem;
  std::string legacy = legacyLines(problem);
  bool changed = writeHosts(version, request.args.value("domain", ""), legacy, entries);
  // After the file: a crash in between re-applies this version, never skips it.
  state_.update([&](Json& state) {
    state["hosts_version"] = version;
    state["legacy_lines"] = legacy;
  });
  {
    std::lock_guard lock(recordMutex_);
    record_.hostsVersion = version;
    record_.legacyLines = legacy;
  }
  return {
      {},
      {{"version", version}, {"applied", true}, {"changed", changed}, {"legacy_updater", problem}}};
}

// A failing legacy updater must not hold the collective's names back, nor empty what it
// contributed: its last good output stays in the block and the reply says why.
std::string NamingAgent::legacyLines(std::string& problem) const {
  const auto& argv = settings_.config.legacyUpdater;
  if (argv.empty()) return "";
  LegacyOutput run = runLegacyUpdater(argv);
  if (run.ok) return run.lines;
  problem = "legacy updater " + argv.front() + " " + run.error + "; kept its last good output";
  logger()->warn("naming: {}", problem);
  return record().legacyLines;
}

bool NamingAgent::writeHosts(std::int64_t version, const std::string& domain,
                             const std::string& legacy,
                             const std::vector<HostsEntry>& entries) const {
  fs::path file = hostsFile();
  std::lock_guard lock(provision::hostsFileMutex());
  unsigned mode = 0644;
  std::string before = readHosts(file, mode);
  std::string after;
  try {
    after = withBlock(before, renderBlock(version, domain, legacy, entries));
  } catch (const std::runtime_error& e) {
    throw ActionError(envelope::StatusCode::Aborted, file.string() + ": " + e.what());
  }
  if (after == before) return false;
  util::writeFileAtomically(file, after, mode);
  return true;
}

}  // namespace drover::agents::naming
