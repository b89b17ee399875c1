#pragma once
// A real fleet on loopback for integration tests: a bus (one `drover-broker` on two
// free ports, or real nats-servers) and any number of `droverd` processes, each with its own
// private directory (facts file, classes file, agents dir, pid file, log). The `drover` CLI runs as
// a real process against it. Every process is stopped by PID when the Fleet goes away.
//
// Ports are chosen once per Fleet with freePort(), so restartBroker() binds the very
// same endpoints and the nodes find it again without being restarted.
//
// Security is on, as in production: the Fleet creates a CA, gives every node its own
// certificate, the CLI an admin certificate ("integration.admin"), and the nodes a
// shared policy directory holding the shipped example policies (etc/policies/*.yaml).
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/bus/transport.hpp"
#include "core/rpc/client.hpp"
#include "core/security/ca.hpp"
#include "testing/credentials.hpp"
#include "testing/nats_server.hpp"
#include "testing/process.hpp"

namespace drover::integration {

class Fleet;

/// What a `drover` (or any other) process run left behind.
struct Result {
  int exitCode = -1;
  std::string out;
  std::string err;
};

/// Prints exit code, stdout and stderr, so a failed assertion shows the whole run.
std::ostream& operator<<(std::ostream& os, const Result& result);

/// The non-empty lines of `text`, sorted: the identities `drover find` printed.
std::vector<std::string> sortedLines(const std::string& text);

/// How a node's message security is set up.
enum class NodeSecurity {
  Certificate,        // its own certificate from the fleet's CA (the default)
  ProvisioningToken,  // first boot: CA certificate and a provisioning token only
  Disabled,           // security.enabled: false
};

/// A principal's key and certificate files.
using Credentials = testing::Credentials;

struct NodeSpec {
  std::string identity;
  std::string facts;                 // YAML text of the node's facts file
  std::vector<std::string> classes;  // lines of its classes file
  bool echo = false;                 // install agents/examples/echo in its agents dir
  /// Extra files written into the agents dir (name, content), mode 0755.
  std::vector<std::pair<std::string, std::string>> agentFiles;
  std::vector<std::string> extraArgs;  // appended to the droverd command line
  /// Put before droverd's argv: a program that execs it in the same process, such as
  /// {"/usr/bin/unshare", "--uts", "--mount"} for a hostname of its own.
  std::vector<std::string> launcher;
  NodeSecurity security = NodeSecurity::Certificate;
  /// Token file text of a ProvisioningToken node.
  std::string provisioningToken = "token: 0123456789abcdef0123456789abcdef\n";
  /// Policy files (agent name, YAML) for this node alone; empty: the fleet's policies.
  std::vector<std::pair<std::string, std::string>> policies;
  /// Reach the broker at this one of the fleet's `alsoOn` addresses (from a network
  /// namespace); empty: on loopback.
  std::string brokerAddress;
};

/// One droverd process and its private directory.
class Node {
 public:
  /// Writes the node's files into a fresh private directory; does not start it.
  /// Throws std::runtime_error or std::filesystem::filesystem_error.
  Node(NodeSpec spec, Fleet& fleet);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& identity() const { return spec_.identity; }
  const NodeSpec& spec() const { return spec_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path factsFile() const { return dir_ / "facts.yaml"; }
  std::filesystem::path pidFile() const { return dir_ / "droverd.pid"; }
  std::filesystem::path agentsDir() const { return dir_ / "agents"; }
  std::filesystem::path logFile() const { return dir_ / "droverd.log"; }
  std::filesystem::path auditLog() const { return dir_ / "audit.log"; }
  std::filesystem::path policyDir() const { return dir_ / "policies"; }
  std::filesystem::path tokenFile() const { return dir_ / "provisioning.token"; }
  /// Where the node's certificate and key are (they exist unless it is enrolling).
  Credentials credentials() const { return {dir_ / "node.key", dir_ / "node.pem"}; }

  /// Starts droverd (again, after stop() or kill()); does not wait for readiness.
  /// Throws std::runtime_error if the process cannot be started.
  void start();
  /// True once the pid file names the running process (droverd is on the bus).
  bool ready();
  /// Throws std::runtime_error with the log tail unless ready() within `timeout`.
  void waitReady(std::chrono::milliseconds timeout);

  testing::Process& process() { return *process_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool running() { return process_ && process_->running(); }
  /// SIGTERM, then SIGKILL after a grace period; returns the exit status or -signal.
  int stop();
  /// SIGKILL at once, as a crashed host.
  void kill();
  std::string log() const;

 private:
  NodeSpec spec_;
  testing::TempDir dir_;
  std::vector<std::string> argv_;
  std::optional<testing::Process> process_;
};

/// The bus a fleet runs on.
struct FleetOptions {
  bus::TransportKind transport = bus::TransportKind::Zmq;
  /// zmq: IPv4 addresses of this host (a test bridge's) the broker also listens on,
  /// on the same ports as on loopback.
  std::vector<std::string> alsoOn;
  /// nats: how many routed servers (1: a single server).
  std::size_t natsServers = 1;
  /// zmq: appended to drover-broker's command line.
  std::vector<std::string> brokerArgs;
};

class Fleet {
  static FleetOptions zmqAlsoOn(std::vector<std::string> alsoOn) {
    FleetOptions options;
    options.alsoOn = std::move(alsoOn);
    return options;
  }

 public:
  /// Picks two free ports, writes the client config and starts the broker.
  /// Throws std::runtime_error if the broker does not come up.
  Fleet() : Fleet(std::vector<std::string>{}) {}
  /// The broker also listens on each of `alsoOn` (IPv4 addresses of this host, such as
  /// a test bridge's), on the same ports as on loopback.
  explicit Fleet(std::vector<std::string> alsoOn) : Fleet(zmqAlsoOn(std::move(alsoOn))) {}
  explicit Fleet(FleetOptions options);
  ~Fleet();  // stops every node, then the broker
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  /// Starts every node in parallel and waits until each is on the bus.
  /// Throws std::runtime_error naming a node that did not get ready (with its log).
  void addNodes(const std::vector<NodeSpec>& specs);
  Node& addNode(const NodeSpec& spec);
  /// Starts a node but does not wait for it (for tests of startup itself).
  Node& launchNode(const NodeSpec& spec);

  Node& node(const std::string& identity);
  std::vector<std::string> identities() const;  // sorted

  /// Starts the bus (the broker, or every NATS server) on the fleet's ports and waits
  /// until it is listening.
  void startBroker();
  /// Stops the bus by PID (SIGTERM); returns the broker's exit status (a NATS server's
  /// clean stop is 0 here too).
  int stopBroker();
  bus::TransportKind transport() const { return options_.transport; }
  /// The NATS servers of a nats fleet (nullptr on zmq).
  testing::NatsCluster* nats() { return nats_.get(); }
  /// The droverd / drover-provisioner flags that put a process on this fleet's bus.
  std::vector<std::string> busFlags() const;
  /// The same as YAML lines for a config file (bus.transport, broker.* or nats.*).
  std::string busYaml() const;

  /// Runs the real `drover` CLI with the fleet's client config and `args`, feeding
  /// `stdinText` on its stdin. Never throws for a failing command: see exitCode.
  Result drover(std::vector<std::string> args, std::string stdinText = "") const;

  /// The fleet's certificate authority (in dir()/ca).
  security::CertificateAuthority& ca() { return *ca_; }
  std::filesystem::path caDir() const { return dir_ / "ca"; }
  /// Issues a certificate for `name` in `role` into dir()/certs, key beside it.
  /// Throws as CertificateAuthority::sign.
  Credentials issue(const std::string& name, security::Role role,
                    const security::CertificateAuthority::IssueOptions& options = {});
  /// The admin the CLI signs as, and its files.
  static constexpr const char* kAdmin = "integration.admin";
  Credentials adminCredentials() const;
  /// What an in-process rpc::Client signs and verifies with to act as kAdmin.
  std::shared_ptr<const rpc::ClientSecurity> adminSecurity() const;
  std::filesystem::path policyDir() const { return dir_ / "policies"; }

  const bus::Endpoints& endpoints() const { return endpoints_; }
  /// The broker's endpoints at `address` (one of alsoOn).
  bus::Endpoints endpointsOn(const std::string& address) const;
  const security::CertificateAuthority& ca() const { return *ca_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path clientConfig() const { return dir_ / "client.yaml"; }
  /// Where the fleet's drover keeps what shell completion offers (completion_cache).
  std::filesystem::path completionCache() const { return dir_ / "completion.json"; }
  /// The command line that starts droverd for `spec` in `nodeDir` against this broker.
  std::vector<std::string> nodeArgv(const NodeSpec& spec,
                                    const std::filesystem::path& nodeDir) const;

  /// The tail of every process log, for failure messages.
  std::string logs() const;

 private:
  void writeClientConfig() const;

  testing::TempDir dir_;
  std::optional<security::CertificateAuthority> ca_;
  bus::Endpoints endpoints_;
  FleetOptions options_;
  std::optional<testing::Process> broker_;
  std::unique_ptr<testing::NatsCluster> nats_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
};

/// Six nodes over three regions (eu-west-1, us-east-1, ap-south-1), roles web and db,
/// numeric cpus, a string kernel_version, a nested os.family, a boolean `virtual`,
/// `maintenance: true` on db-eu-1 only, classes role::* and profile::*, and the echo
/// agent on web-eu-1, web-eu-2 and web-us-1 only.
std::vector<NodeSpec> standardNodes();

/// Path of the source tree's examples (agents/examples) and built-in DDLs (ddl/).
std::filesystem::path examplesDir();
std::filesystem::path ddlDir();

/// Whether any thread of process `pid` has a child process right now.
bool hasChildProcess(pid_t pid);

}  // namespace drover::integration
