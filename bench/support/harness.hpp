#pragma once
// The real processes a benchmark runs against: a drover-broker on free loopback ports,
// drover-fleet-sim processes sharing a fleet between them, and droverd (security off, or
// enforcing with certificate files from secure_setup.hpp). Each is
// started with an argv (no shell), logs to a file in the work directory, waits until
// it says it is ready, and is stopped by PID (SIGTERM, then SIGKILL) when its guard
// goes away. A process that dies or stays silent is a std::runtime_error quoting the
// end of its log.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "bench/support/secure_setup.hpp"
#include "core/bus/transport.hpp"
#include "testing/bus_flags.hpp"
#include "testing/credentials.hpp"
#include "testing/nats_server.hpp"
#include "testing/process.hpp"

namespace drover::bench {

struct Executables {
  std::filesystem::path broker;
  std::filesystem::path droverd;
  std::filesystem::path fleetSim;
  std::filesystem::path provisioner;  // for a registry (RegistryProcess)
};

struct BrokerSpec {
  bool control = false;  // also bind a control endpoint, to read the broker's counters
  // IPv4 addresses of this host (a bridge's, say) the broker also listens on, ports
  // chosen by the kernel as on loopback.
  std::vector<std::string> alsoOn;
};

class BrokerProcess {
 public:
  /// Binds ingress and egress (and the control endpoint when asked) on
  /// tcp://127.0.0.1:* and reads back the ports.
  BrokerProcess(const Executables& exe, const std::filesystem::path& workDir,
                const BrokerSpec& spec = {});
  const bus::Endpoints& endpoints() const { return endpoints_; }
  /// The endpoints at `address`, one of BrokerSpec::alsoOn. Throws std::out_of_range
  /// for any other.
  bus::Endpoints endpointsOn(const std::string& address) const;
  /// The control endpoint (`drover-broker stats --control`); empty unless asked for.
  const std::string& control() const { return control_; }
  pid_t pid() const { return process_.pid(); }

 private:
  testing::Process process_;
  bus::Endpoints endpoints_;
  std::string control_;
  std::vector<std::string> ingress_, egress_;  // every bound endpoint, in binding order
};

/// The bus a benchmark runs on: a drover-broker, or one nats-server (default settings
/// but an 8 MB max_payload) on a free loopback port.
class BusServer {
 public:
  /// `natsServers` > 1: a routed cluster of that many nats-servers, every one of them
  /// listed to the clients (nats.c picks one at random, so the nodes spread over them).
  BusServer(const Executables& exe, const std::filesystem::path& workDir,
            bus::TransportKind transport, const BrokerSpec& spec = {}, std::size_t natsServers = 1);
  const bus::Endpoints& endpoints() const { return endpoints_; }
  /// The broker's or every nats-server's, for CPU and memory.
  std::vector<pid_t> pids() const;

 private:
  std::optional<BrokerProcess> broker_;
  std::optional<testing::NatsCluster> nats_;
  bus::Endpoints endpoints_;
};

struct FleetSpec {
  std::size_t nodes = 100;
  std::size_t processes = 2;  // simulators splitting the nodes
  std::string prefix = "sim";
  int ioThreads = 2;                 // per simulator
  std::vector<std::string> ddlDirs;  // empty: the simulator's default
  bool trace = false;                // simulators write fleet-K.trace.jsonl at exit
  // A CA directory: simulators run with --security-dir and audit into fleet-K.audit.jsonl.
  std::filesystem::path securityDir;
};

class SimulatedFleet {
 public:
  /// Starts the simulators and waits (up to `timeout`) for every ready file.
  SimulatedFleet(const Executables& exe, const bus::Endpoints& endpoints,
                 const std::filesystem::path& workDir, const FleetSpec& spec,
                 std::chrono::milliseconds timeout);
  ~SimulatedFleet();

  /// Every node's identity, in index order.
  const std::vector<std::string>& identities() const { return identities_; }
  /// From the first start to the last ready file.
  std::chrono::milliseconds startup() const { return startup_; }
  std::vector<pid_t> pids() const;

 private:
  std::vector<std::unique_ptr<testing::Process>> processes_;
  std::vector<std::string> identities_;
  std::chrono::milliseconds startup_{0};
};

struct DaemonSpec {
  std::string identity;
  /// Enforcing security with these files; none: security off (the daemon alone,
  /// without a certificate setup around it).
  std::optional<testing::NodeSecurityFiles> security;
  std::string logLevel = "warn";
};

class DaemonProcess {
 public:
  /// Starts droverd with default DDLs, logging to IDENTITY.log in `workDir`, and
  /// waits (up to `timeout`) for its pid file.
  DaemonProcess(const Executables& exe, const bus::Endpoints& endpoints,
                const std::filesystem::path& workDir, const DaemonSpec& spec,
                std::chrono::milliseconds timeout);
  pid_t pid() const { return process_.pid(); }
  const std::filesystem::path& logPath() const { return process_.logPath(); }

 private:
  testing::Process process_;
};

/// drover-provisioner as the registry of a benchmark's fleet (`registry#find`), with the
/// shipped classic flow (no node of a simulated fleet enters it: none hosts `provision`).
class RegistryProcess {
 public:
  static constexpr const char* kIdentity = "bench.provisioner";

  /// Starts it (with a provisioner certificate from `secure`'s CA when given, else
  /// security off) and waits (up to `timeout`) for its pid file.
  RegistryProcess(const Executables& exe, const bus::Endpoints& endpoints,
                  const std::filesystem::path& workDir, const SecureSetup* secure,
                  std::chrono::milliseconds timeout);
  pid_t pid() const { return process_.pid(); }

 private:
  testing::Process process_;
};

/// Waits (up to `timeout`) for `file` to appear while `process` lives, as a daemon
/// writes its pid file once ready; throws with `what` and the process's log tail.
void awaitFile(testing::Process& process, const std::string& what,
               const std::filesystem::path& file, std::chrono::milliseconds timeout);

/// User plus system CPU time a process has used so far, in ms (/proc/PID/stat);
/// nullopt when unreadable. Resolution is the kernel's clock tick (10 ms).
std::optional<double> processCpuMs(pid_t pid);

/// Time the process's threads have spent on a CPU so far, in ms, to the nanosecond the
/// scheduler counts (/proc/PID/task/*/schedstat). For processes that use a few ms a
/// minute, where processCpuMs()'s 10 ms ticks would round to nothing or to a tick.
/// nullopt when unreadable (a kernel without schedstats).
std::optional<double> processRunMs(pid_t pid);

/// A `VmRSS:`-style field of /proc/PID/status in KiB; nullopt when unreadable.
std::optional<long> procStatusKb(pid_t pid, const std::string& field);

/// The process's proportional set size in KiB (/proc/PID/smaps_rollup): its shared pages
/// (libraries, the program) divided among the processes mapping them. nullopt when
/// unreadable.
std::optional<long> processPssKb(pid_t pid);

/// The process's resident memory by mapping (/proc/PID/smaps), largest first, in KiB:
/// each file by its name (the program, each shared library), [heap], [stack] and
/// [anonymous]. Empty when unreadable.
std::vector<std::pair<std::string, long>> rssByMapping(pid_t pid);

/// Context switches of all the process's threads so far, voluntary and not: each time a
/// thread went to sleep or was put off the CPU (/proc/PID/task/*/status). An idle
/// process's count grows by about one for each time it woke up.
std::optional<long> processContextSwitches(pid_t pid);

}  // namespace drover::bench
