#pragma once
// A real puppetserver (Debian package) for end-to-end tests, run as the peers' notes
// (../shared/peers/puppet) found it must run here: java started directly with its own
// conf.d, services.d and puppet.conf under a private state directory, so it has its own
// CA and never touches /etc/puppet; TLS 1.2 only (Ruby clients stall 30 s on TLS 1.3);
// dns_alt_names with IP:<its address> (127.0.0.1 by default) set before the first start, so
// nodes use --server <address> without DNS; a small heap. Start-up takes 25-55 s.
//
// Environments `bootstrap` and `production` each manage the file
// <marker dir>/<certname>.<environment>.marker on the node, with content
// "certname=...\nenvironment=...\nmaster=<name>\n". The marker dir is the node's fact
// `marker_dir` (see writeNodePuppetConfig) or else Options::markerDir. A node fact
// `fail_resource` adds a failing resource (exit code 4 or 6).
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "testing/process.hpp"

namespace drover::testing {

class PuppetMaster {
 public:
  struct Options {
    std::string name = "puppet-e2e";    // certname of the master (and its CA's name)
    std::string region;                 // a label for tests that pick masters by region
    int port = 0;                       // 0: a free loopback port
    std::string address = "127.0.0.1";  // where it listens (a bridge's address for namespaces)
    std::filesystem::path stateDir;     // empty: a fresh temporary directory
    std::filesystem::path markerDir;    // default marker dir; empty: <state>/markers
    std::vector<std::string> javaOptions{"-Xms256m", "-Xmx512m"};
    std::chrono::seconds startTimeout{300};
  };

  /// Writes the instance's configuration; does not start it.
  /// Throws std::runtime_error when the puppetserver package is not installed.
  explicit PuppetMaster(Options options);
  PuppetMaster();
  ~PuppetMaster();  // stops it by PID
  PuppetMaster(const PuppetMaster&) = delete;
  PuppetMaster& operator=(const PuppetMaster&) = delete;

  /// Starts java and waits until GET /status/v1/simple says "running". Throws
  /// std::runtime_error with the tail of its logs if it dies or times out.
  void start();
  /// SIGTERM to the recorded PID, SIGKILL after a minute. Keeps the state (CA, code).
  void stop();
  bool running();

  const std::string& name() const { return options_.name; }
  const std::string& region() const { return options_.region; }
  int port() const { return options_.port; }
  const std::string& address() const { return options_.address; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const std::filesystem::path& dir() const { return dir_; }
  /// The puppet.conf to give `puppetserver ca --config` (droverd's puppetserver.config).
  std::filesystem::path puppetConf() const { return dir_ / "puppet" / "puppet.conf"; }
  std::filesystem::path markerDir() const { return options_.markerDir; }
  std::filesystem::path environmentsDir() const { return dir_ / "code" / "environments"; }
  /// How long the last start() took until "running".
  std::chrono::milliseconds startupTime() const { return startupTime_; }
  /// Resident memory of the JVM in KiB (0 when not running).
  long rssKib() const;
  /// The tail of the console and server logs, for failure messages.
  std::string logs() const;

 private:
  void writeConfig() const;
  void writeEnvironments() const;
  bool answersRunning() const;

  Options options_;
  std::optional<TempDir> ownDir_;
  std::filesystem::path dir_;
  std::optional<Process> process_;
  std::chrono::milliseconds startupTime_{0};
};

/// Starts every master at once and waits for all (on two cores two together take about
/// 55 s, against 25-30 s each alone). Returns the failures' messages by master name:
/// empty when every one is running.
std::map<std::string, std::string> startTogether(const std::vector<PuppetMaster*>& masters);

/// Writes <root>/etc/puppet/puppet.conf for a node whose whole Puppet state (ssldir,
/// vardir, logdir, rundir, codedir, publicdir) lives under `root`, so several nodes
/// share one machine, plus a custom fact file giving the node `facts` (name -> value),
/// for example marker_dir, and `settings` added to [main] (certname, server, ...).
/// Returns the confdir: droverd started with --root <root> finds it as /etc/puppet.
std::filesystem::path writeNodePuppetConfig(
    const std::filesystem::path& root, const std::map<std::string, std::string>& facts,
    const std::map<std::string, std::string>& settings = {});

}  // namespace drover::testing
