#pragma once
// A machine booted from a copy of a baked image (scripts/image.sh): its own root (a copy
// of the image), its own network namespace on the test's bridge (the local launcher's
// member network: a veth pair, an address, a default route through the bridge), and
// first-boot user data given as a NoCloud seed, which the image's own cloud-init applies.
// systemd-nspawn --boot runs the image's systemd as its PID 1. Commands run inside it
// through nsenter into all of its namespaces and its root. It is powered off by SIGTERM to
// nspawn (a clean halt), killed by PID if it does not stop, and its network and root are
// removed with it.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover::e2e {

class BootedMachine {
 public:
  struct Options {
    std::string name;               // machine and hostname until it is named; [a-z0-9-]
    std::filesystem::path image;    // the baked root to copy
    std::filesystem::path workDir;  // where its root copy and console log go
    std::string bridge;             // the test bridge; its namespace is <bridge>-<name>
    std::string subnet;             // the bridge's subnet, "10.213.9.0/24"
    std::string address;            // its address in the subnet
    std::string userData;           // #cloud-config text
  };

  /// Copies the image, writes the NoCloud seed and makes the network; does not boot.
  /// Throws std::runtime_error naming the step that failed.
  explicit BootedMachine(Options options);
  ~BootedMachine();  // powerOff(), then removes its network and root
  BootedMachine(const BootedMachine&) = delete;
  BootedMachine& operator=(const BootedMachine&) = delete;

  /// Starts systemd-nspawn --boot. Throws if nspawn exits before the machine's init runs.
  void boot();
  /// Waits until systemd inside says the boot finished ("running" or "degraded");
  /// returns what it said last ("" if it never answered).
  std::string waitBooted(std::chrono::seconds timeout);
  /// Runs argv inside the machine (root, its namespaces, PATH of a Debian root shell).
  util::SubprocessResult run(const std::vector<std::string>& argv,
                             std::chrono::seconds timeout = std::chrono::seconds(60),
                             const std::string& input = "");
  /// run(), throwing std::runtime_error with the command and its output unless it exits 0.
  std::string runChecked(const std::vector<std::string>& argv,
                         std::chrono::seconds timeout = std::chrono::seconds(60));
  /// Halts it (SIGTERM to nspawn), SIGKILL after `grace`. Does nothing when it is down.
  void powerOff(std::chrono::seconds grace = std::chrono::seconds(60));
  bool running();

  const std::string& name() const { return options_.name; }
  const std::string& address() const { return options_.address; }
  const std::filesystem::path& root() const { return root_; }
  /// A path inside the machine, as the host sees it ("/etc/hosts" -> <root>/etc/hosts).
  std::filesystem::path host(const std::string& inside) const;
  std::string console() const;
  /// What tells why a boot stalls: the console, and while it runs, systemd's queued jobs,
  /// its failed units and the journal's last lines.
  std::string diagnosis();

 private:
  pid_t leader();

  Options options_;
  std::filesystem::path root_;
  std::string netns_;
  std::optional<testing::Process> nspawn_;
  pid_t leader_ = -1;
};

}  // namespace drover::e2e
