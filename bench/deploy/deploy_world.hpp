#pragma once
// The world drover-deploy-bench measures, as tests/integration/deploy builds it: a
// bridge made first, a drover-broker on loopback and on the bridge's address, a fresh
// CA, and a real drover-provisioner (security on, enrolment, the local launcher) whose
// members are real droverd processes in namespaces of their own (drover-member). The
// benchmark speaks to the provisioner as an admin, over an rpc client and the real
// `drover` CLI.
//
// Everything is removed when the World goes away, whichever way the run ends: the
// provisioner, then every process of every member namespace by PID, the namespaces,
// the bridge, the broker. SIGINT and SIGTERM only raise a flag the benchmark's loops
// check (checkInterrupted), so the same unwinding cleans up after Ctrl-C.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/support/harness.hpp"
#include "core/rpc/client.hpp"
#include "core/util/json.hpp"
#include "core/util/subprocess.hpp"
#include "testing/process.hpp"
#include "testing/test_bridge.hpp"

namespace drover::bench::deploy {

struct Programs {
  std::filesystem::path broker, droverd, drover, provisioner, member;
};

/// The members' private network: the launcher's bridge and subnet.
struct Network {
  std::string bridge;   // at most 15 characters; members' namespaces are BRIDGE-IDENTITY
  std::string subnet;   // IPv4 CIDR
  std::string gateway;  // the subnet's first address, held by the bridge
};

/// `subnet` with its gateway; throws std::invalid_argument for text that is not a CIDR.
Network networkOf(const std::string& bridge, const std::string& subnet);

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};
/// SIGINT and SIGTERM set a flag instead of ending the process.
void installInterruptHandlers();
/// Throws Interrupted once a signal arrived.
void checkInterrupted();
/// Whether a signal arrived: a call it cut short (EINTR) fails in its own words.
bool wasInterrupted();

class World {
 public:
  /// Builds everything; throws std::runtime_error (with the log tail of what failed).
  World(const Programs& programs, const Network& network, const std::filesystem::path& workDir,
        const std::filesystem::path& flowFile, const std::string& provisionerLogLevel);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  /// provisioner#ACTION with `args`; its data, or std::runtime_error with the status.
  Json call(const std::string& action, Json args, std::chrono::milliseconds timeout);
  /// deploy_status of `name`; nullopt when the provisioner has no such deployment.
  std::optional<Json> status(const std::string& name);
  /// The real `drover` CLI with the admin's client config.
  util::SubprocessResult drover(std::vector<std::string> args, std::chrono::seconds timeout);

  pid_t provisionerPid() const { return provisioner_->pid(); }
  const std::filesystem::path& provisionerLog() const { return provisioner_->logPath(); }
  const Network& network() const { return network_; }

 private:
  void writeConfigs(const Programs& programs);
  void writeSecurity();
  std::string memberConfig() const;
  std::string launcherSettings(const Programs& programs) const;
  std::string clientConfig() const;
  void startProvisioner(const Programs& programs, const std::filesystem::path& flowFile,
                        const std::string& logLevel);

  Network network_;
  std::filesystem::path dir_;
  std::filesystem::path droverCli_;
  testing::TestBridge bridge_;  // made first, removed last: members, namespaces, bridge
  std::optional<BrokerProcess> broker_;
  std::optional<testing::Process> provisioner_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<rpc::Client> admin_;
};

}  // namespace drover::bench::deploy
