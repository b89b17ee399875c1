#pragma once
// What the local launcher integration test needs around the launcher: a network of its
// own (a bridge name and a subnet no other test on the machine uses), a broker bound on
// loopback and on the bridge, the `drover` CLI with security off, and looks at the
// machine (links, namespaces, mounts) to check what a member left behind.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"
#include "testing/process.hpp"

namespace drover::integration {

/// A bridge name and /24 subnet derived from this process's PID, skipping any whose
/// bridge or addresses exist already.
struct TestNetwork {
  std::string bridge;
  std::string subnet;   // 10.214.X.0/24
  std::string gateway;  // 10.214.X.1
  static TestNetwork pick();
};

/// drover-broker on 127.0.0.1 and on the bridge's address, same two ports on both.
class Broker {
 public:
  /// Starts it once the bridge exists; throws std::runtime_error with its log.
  Broker(const std::filesystem::path& dir, const std::string& gateway, int ingress, int egress);
  testing::Process& process() { return *process_; }

 private:
  std::optional<testing::Process> process_;
};

/// Runs `drover ARGS... --json` with `clientConfig`; returns the parsed output (null when
/// it was not JSON).
Json droverJson(const std::filesystem::path& clientConfig, std::vector<std::string> args);
/// The value of fact `fact` that node `identity` reports (null when it did not answer).
Json factOf(const std::filesystem::path& clientConfig, const std::string& identity,
            const std::string& fact);

/// The mount point, its options, file system type and source of one line of a mountinfo
/// file.
struct MountEntry {
  std::string point, options, type, source;
};
std::vector<MountEntry> mountsOf(pid_t pid);  // /proc/PID/mountinfo; pid 0: this process
std::optional<MountEntry> mountAt(pid_t pid, const std::string& point);

bool linkExists(const std::string& name);
bool netnsExists(const std::string& name);
/// Runs `ip ARGS` ignoring the outcome (clean-up after a failed test).
void ipQuietly(const std::vector<std::string>& args);

}  // namespace drover::integration
