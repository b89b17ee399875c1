#pragma once
// The naming integration suite's fleet: the provisioner integration harness (real broker,
// real drover-provisioner, fprov as the provision agent) with a flow that assigns names,
// and droverd nodes of one masterful service `db`, each started by naming-node-launcher
// in a UTS and mount namespace of its own, where /etc is its root's etc: the hostname it
// sets and the hosts file it writes are its own, and `nsenter` reads both as a program
// on that host would.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {

inline constexpr auto kNamedWithin = 30s;        // from start to a name, hostname and hosts entry
inline constexpr int kReleaseAfterSeconds = 10;  // the shortest naming.release_after
inline constexpr const char* kDomain = "it.example";
// A line of the node's image that the managed block must leave as it is.
inline constexpr const char* kImageHosts = "127.0.0.1 localhost\n10.9.9.9 image-line\n";

/// The address a node's facts give (ipaddress 127.0.1.N for host-N).
inline std::string addressOf(int n) { return "127.0.1." + std::to_string(n); }

/// What a program run inside a node's namespaces printed on stdout (trimmed), or "".
inline std::string inNamespace(pid_t pid, const std::string& ns, std::vector<std::string> argv) {
  std::vector<std::string> full{"nsenter", "--target", std::to_string(pid), "--" + ns, "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  util::SubprocessResult run = util::runProcess(full, "", 10s);
  if (run.exitCode != 0) return "";
  std::string out = run.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// The kernel hostname of the calling process's UTS namespace.
inline std::string ownHostname() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

/// The kernel hostname in the node's UTS namespace.
inline std::string hostnameIn(Node& node) { return inNamespace(node.pid(), "uts", {"hostname"}); }

/// The address `getent hosts NAME` gives inside the node's mount namespace, or "".
inline std::string resolveIn(Node& node, const std::string& name) {
  std::string line = inNamespace(node.pid(), "mount", {"getent", "hosts", name});
  return line.substr(0, line.find_first_of(" \t"));
}

/// The identifier of a process's namespace (/proc/PID/ns/NS's link text).
inline std::string namespaceOf(pid_t pid, const std::string& ns) {
  std::error_code ec;
  return fs::read_symlink(fs::path("/proc") / std::to_string(pid) / "ns" / ns, ec).string();
}

class NamingSuite : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// host-N: service db (masterful), address 127.0.1.N, its own root and namespaces.
  NodeSpec dbNode(int n);
  Node& startNode(int n);
  /// Starts host-1 .. host-`count` at once and waits until the provisioner holds a name
  /// for each and each node's hostname shows it; returns name -> host number (empty
  /// when that did not happen in time).
  std::map<std::string, int> startNamed(int count);
  Node& node(int n) { return fleet_.node(identity(n)); }
  static std::string identity(int n) { return "host-" + std::to_string(n); }
  fs::path hostsFile(int n) const { return roots_.at(n)->path() / "etc" / "hosts"; }

  /// An action of the provisioner's control agent, as the fleet's admin; its reply's
  /// data, or null when it did not answer OK.
  Json control(const std::string& action, Json args = Json::object());
  /// name -> node, of every name the provisioner holds now.
  std::map<std::string, std::string> holders();
  /// The kinds of `name`'s history rows, oldest first.
  std::vector<std::string> historyKinds(const std::string& name);

  /// Waits until the provisioner holds exactly `expected` (name -> host number).
  bool waitHolders(const std::map<std::string, int>& expected);
  /// Waits until, inside host `n`, the hostname is `name`.
  bool waitHostname(int n, const std::string& name);
  /// Waits until, inside every host of `hosts`, getent resolves `name` to `address`.
  bool waitResolves(const std::set<int>& hosts, const std::string& name,
                    const std::string& address);

  std::string logs() { return fleet_.logs() + "\n==== provisioner ====\n" + provisioner_->log(); }

  std::string machineHostname_;  // what the nodes' hostnames must never reach
  std::map<int, std::unique_ptr<testing::TempDir>> roots_;  // outlive the nodes using them
  Fleet fleet_;
  std::unique_ptr<Provisioner> provisioner_;
  zmq::context_t context_{1};
  std::unique_ptr<rpc::Client> admin_;
};

}  // namespace drover::integration
