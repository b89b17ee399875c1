// cluster#ssh_keys and cluster#set_trust: the node's own keys, and the deployment's
// managed blocks of root's authorized_keys and the system-wide ssh_known_hosts.
#include <algorithm>
#include <climits>
#include <vector>

#include "agents/cluster/cluster_agent.hpp"
#include "agents/cluster/file_ops.hpp"
#include "agents/cluster/inputs.hpp"
#include "agents/cluster/trust_lines.hpp"
#include "agents/managed_block.hpp"
#include "agents/naming/hostname.hpp"
#include "core/log/log.hpp"
#include "core/util/files.hpp"
#include "core/util/ids.hpp"
#include "core/util/subprocess.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

const log::Logger logger{"drover.agents.cluster"};

constexpr BlockMarkers kMarkers{"# BEGIN drover deployment", "# END drover deployment",
                                "deployment block"};
constexpr auto kKeygenTimeout = std::chrono::seconds(60);

// Runs ssh-keygen with `args`; its stdout, or an Aborted reply with its stderr.
std::string keygen(const std::string& program, std::vector<std::string> args) {
  args.insert(args.begin(), program);
  util::SubprocessOptions opts;
  opts.environment = {kPath, "LANG=C.UTF-8"};
  util::SubprocessResult run = util::runProcess(args, "", kKeygenTimeout, opts);
  if (run.exitCode != 0 || run.timedOut) {
    std::string why = run.timedOut ? "timed out" : "exited with " + std::to_string(run.exitCode);
    throw ActionError(StatusCode::Aborted, program + " " + why + ": " + run.err);
  }
  return run.out;
}

// A new key pair written beside `key` under temporary names, then renamed into place
// (public half first): a crash never leaves a half-written private key at `key`.
void generate(const std::string& program, const fs::path& key, const std::string& comment) {
  fs::path tmp =
      key.parent_path() / ("." + key.filename().string() + ".new-" + util::randomId().substr(0, 8));
  keygen(program, {"-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", tmp.string()});
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(tmp.string() + ".pub", key.string() + ".pub");
  fs::rename(tmp, key);
  logger()->info("cluster: made {}", key.string());
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// "TYPE BASE64" of every host key of the node, in file name order; a key file of a
// type not distributed (ssh-dss) is left out.
Json hostKeys(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("ssh_host_") && name.ends_with("_key.pub")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Json keys = Json::array();
  for (const auto& file : files) {
    try {
      keys.push_back(publicKeyLine(trimmed(util::readFile(file)), file.string(), false));
    } catch (const ActionError& e) {
      logger()->warn("cluster: host key left out: {}", e.what());
    }
  }
  return keys;
}

}  // namespace

std::string ClusterAgent::publicKey(const fs::path& privateKey, const std::string& comment) {
  const std::string& program = settings_.config.sshKeygen;
  fs::path pub = privateKey.string() + ".pub";
  if (!fs::exists(privateKey)) {
    generate(program, privateKey, comment);
  } else if (!fs::exists(pub)) {
    util::writeFileAtomically(pub, keygen(program, {"-y", "-f", privateKey.string()}), 0644);
  }
  return publicKeyLine(trimmed(util::readFile(pub)), pub.string(), true);
}

Reply ClusterAgent::sshKeys(const Request&) {
  std::lock_guard lock(keysMutex_);
  const std::string comment = "root@" + naming::currentHostname();
  fs::path rootKey = underRoot("/root/.ssh/id_ed25519");
  makeDirectory(rootKey.parent_path(), 0700);
  std::string rootPublic = publicKey(rootKey, comment);
  fs::path hostKey = underRoot("/etc/ssh/ssh_host_ed25519_key");
  makeDirectory(hostKey.parent_path(), 0755);
  publicKey(hostKey, comment);
  return {{}, {{"root_public_key", rootPublic}, {"host_keys", hostKeys(hostKey.parent_path())}}};
}

Reply ClusterAgent::setTrust(const Request& request) {
  const Json& args = request.args;
  std::int64_t version = integerInput(args, "version", 1, INT64_MAX);
  std::string authorized = authorizedKeysBody(arrayInput(args, "authorized_keys", kMaxTrustKeys));
  std::string known = knownHostsBody(arrayInput(args, "known_hosts", kMaxTrustKeys));
  std::lock_guard lock(trustMutex_);
  std::int64_t current = registrationData().value("trust_version", std::int64_t{0});
  if (version <= current) {
    return {{}, {{"version", current}, {"applied", false}, {"changed", false}}};
  }
  fs::path keysFile = underRoot("/root/.ssh/authorized_keys");
  makeDirectory(keysFile.parent_path(), 0700);
  bool changed = writeTrustBlock(keysFile, version, authorized, 0600);
  fs::path hostsFile = underRoot("/etc/ssh/ssh_known_hosts");
  makeDirectory(hostsFile.parent_path(), 0755);
  changed = writeTrustBlock(hostsFile, version, known, 0644) || changed;
  remember([&](Json& record) { record["trust_version"] = version; });
  return {{}, {{"version", version}, {"applied", true}, {"changed", changed}}};
}

bool ClusterAgent::writeTrustBlock(const fs::path& file, std::int64_t version,
                                   const std::string& body, unsigned mode) const {
  std::string before = readIfExists(file, mode);
  std::string after;
  try {
    after = withManagedBlock(before, renderManagedBlock(kMarkers, version, body), kMarkers);
  } catch (const std::runtime_error& e) {
    throw ActionError(StatusCode::Aborted, file.string() + ": " + e.what());
  }
  if (after == before) return false;
  util::writeFileAtomically(file, after, mode);
  return true;
}

}  // namespace drover::agents::cluster
