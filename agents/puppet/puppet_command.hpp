#pragma once
// How the agents invoke the `puppet` executable: argv without a shell, a small fixed
// environment, the node's --confdir, and the settings Puppet itself reports.
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/subprocess.hpp"

namespace drover::agents::puppet {

struct PuppetInvocation {
  std::string program = "puppet";  // name (searched in PATH) or path
  std::filesystem::path confdir;   // --confdir; empty for Puppet's default
};

/// The environment Puppet runs with: a PATH that includes the sbin directories facter
/// needs, a UTF-8 locale and the daemon user's HOME. Nothing else of droverd's.
std::vector<std::string> puppetEnvironment();

/// `program words... [--confdir C] args...`.
std::vector<std::string> puppetArgv(const PuppetInvocation& puppet,
                                    const std::vector<std::string>& words,
                                    const std::vector<std::string>& args = {});

/// Runs puppet with `words` and `args` until `timeout`. Throws std::system_error when
/// the system refuses to start it; a missing program is exit code 127.
util::SubprocessResult runPuppet(const PuppetInvocation& puppet,
                                 const std::vector<std::string>& words,
                                 const std::vector<std::string>& args,
                                 std::chrono::milliseconds timeout);

/// Parses the output of `puppet config print a b ...` ("a = value" per line).
std::map<std::string, std::string> parseConfigPrint(std::string_view text);

/// The first line that explains a failure: "Error: ..." (without facter's sandbox
/// noise), else the last non-empty line of stderr, else of stdout. At most 400 bytes.
std::string tellingLine(const util::SubprocessResult& result);

/// The files `puppet ssl clean --localca --certname CERTNAME` would remove (the host's
/// key pair, request and certificate, the key's password file, the local CA certificate
/// and CRL), from the settings Puppet reported for its own certname (PuppetSettings):
/// those very paths when `certname` is that one, else derived from Puppet's default
/// layout. nullopt when only running it can tell: for another certname, a file set off
/// the default layout or a directory that names Puppet's certname (as $certname would);
/// a setting not reported; `certname` being the CA server's (Puppet then asks the CA).
std::optional<std::vector<std::filesystem::path>> sslCleanFiles(
    const std::map<std::string, std::string>& settings, const std::string& certname);

/// The agent-side settings the Puppet agents need, read once from `puppet config
/// print` (about a second) and cached. Thread safe.
class PuppetSettings {
 public:
  explicit PuppetSettings(PuppetInvocation puppet);

  const PuppetInvocation& invocation() const { return puppet_; }

  /// One of lastrunfile, lastrunreport, agent_disabled_lockfile,
  /// agent_catalog_run_lockfile, ssldir, certname, confdir, environmentpath, or those
  /// sslCleanFiles() reads. Throws std::runtime_error naming the command and its error
  /// when Puppet cannot report its settings.
  std::string get(const std::string& name);
  std::filesystem::path path(const std::string& name) { return get(name); }
  /// Every setting read. Throws as get().
  const std::map<std::string, std::string>& all();

 private:
  void load(const std::string& name);  // mutex_ held

  PuppetInvocation puppet_;
  std::mutex mutex_;
  std::optional<std::map<std::string, std::string>> values_;
};

}  // namespace drover::agents::puppet
