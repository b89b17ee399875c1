#pragma once
// Real nats-server processes for tests and benchmarks: one server or a routed cluster on
// loopback, each with a generated config in a temp dir it owns, run in the foreground
// and stopped by PID (never daemonised), so nothing outlives the object.
//
// Readiness, as nats-server 2.9 reports it on its monitoring port (always 127.0.0.1):
// - /healthz?js-enabled-only=true is ok once the client and route listeners are up and
//   JetStream (when configured) is enabled; it does not wait for routes or a leader.
// - plain /healthz in a JetStream cluster is 503 until the member is current with a
//   meta leader; but for a few seconds after the leader is SIGKILLed it stays ok and
//   /jsz still names the dead leader, so NatsCluster::waitRouted() also checks that the
//   leader named is a running member.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "testing/process.hpp"

namespace drover::testing {

struct NatsTls {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path ca;
  bool verify = false;  // true: clients must present a certificate signed by `ca`
};

struct NatsServerOptions {
  std::string listenAddress = "127.0.0.1";  // client listener only (a test bridge address)
  std::string serverName;                   // empty: nats-server's generated id
  bool jetStream = false;                   // store_dir inside the server's temp dir
  std::int64_t jetStreamMaxStore = std::int64_t{256} << 20;  // memory and file store each
  std::optional<NatsTls> tls;                                // url() becomes tls://
  // nats-server's 1 MB default is below big envelopes; it refuses a max_payload above
  // max_pending.
  std::int64_t maxPayload = std::int64_t{8} << 20;
  std::int64_t maxPending = std::int64_t{64} << 20;
  std::string extraConfig;  // appended verbatim: keys this struct lacks
  std::chrono::milliseconds startTimeout{20000};

  // Set by NatsCluster: the cluster block (none while clusterName is empty).
  std::string clusterName;
  int clusterPort = 0;
  std::vector<int> routePorts;
};

/// nats-server to run: $DROVER_NATS_SERVER, else `nats-server` on PATH. Throws
/// std::runtime_error when there is none.
std::filesystem::path natsServerBinary();

/// One nats-server. Not thread-safe; one test thread owns it.
class NatsServer {
 public:
  /// Picks free ports, writes the config and start()s. Throws as start().
  explicit NatsServer(NatsServerOptions options = {});
  ~NatsServer();  // stop()s
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  /// Starts the server (again: same ports, same config and store dir) and waits until
  /// /healthz?js-enabled-only=true is ok; a standalone server also needs plain /healthz
  /// ok (JetStream ready). Throws std::runtime_error with the log tail when it exits or
  /// is not ready within startTimeout, or when it is already running.
  void start();
  /// SIGTERM by PID, SIGKILL after `grace`. Returns the exit status (or -signal), -1
  /// when not started. nats-server 2.9 exits 1 after a clean SIGTERM shutdown.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  /// SIGKILL at once: a server dying mid-flight.
  void kill();
  bool running() const;
  pid_t pid() const;  // -1 when stopped

  std::string url() const;  // nats://ADDRESS:PORT, or tls://ADDRESS:PORT with TLS
  int port() const { return port_; }
  int monitoringPort() const { return monitoringPort_; }
  int clusterPort() const { return options_.clusterPort; }
  const std::string& serverName() const { return options_.serverName; }
  const NatsServerOptions& options() const { return options_; }
  const std::filesystem::path& configPath() const { return config_; }
  const std::filesystem::path& logPath() const { return log_; }
  /// The last `lines` lines of the server's output (every start appends).
  std::string logTail(std::size_t lines = 40) const;

  /// Body of GET http://127.0.0.1:MONITORING/`endpoint` ("/varz", "/connz?subs=1"),
  /// whatever the HTTP status (a 503 /healthz has a JSON body too). Throws
  /// std::runtime_error when the monitoring port does not answer.
  std::string monitor(const std::string& endpoint) const;
  /// num_connections of /connz: open client connections (routes excluded).
  int connections() const;
  /// slow_consumers of /varz since start.
  std::int64_t slowConsumers() const;
  /// num_routes of /routez.
  int routes() const;
  /// /healthz (js-enabled-only when `jetStreamOnly`) answers {"status":"ok"}; false
  /// also when the monitoring port does not answer.
  bool healthy(bool jetStreamOnly = false) const;

 private:
  void writeConfig() const;
  void waitReady();

  NatsServerOptions options_;
  TempDir dir_;  // before process_: the server stops before its store dir goes
  std::filesystem::path config_;
  std::filesystem::path log_;
  int port_ = 0;
  int monitoringPort_ = 0;
  mutable std::optional<Process> process_;  // mutable: running() reaps an exited child
};

struct NatsClusterOptions {
  std::size_t size = 3;
  std::string name = "drover-test";
  /// Template for every member (jetStream, tls, maxPayload...); each member gets the
  /// server name nI (n1, n2, ...) and its own ports.
  NatsServerOptions member;
  /// A bound, not a wait: a cold three-server cluster elects its JetStream meta leader in
  /// 2-6 s here, 11-15 s with the cores busy, and a loaded CI run has taken over 20 s.
  std::chrono::milliseconds routeTimeout{60000};
};

/// Servers routed to one another on loopback (full mesh of configured routes).
class NatsCluster {
 public:
  /// Starts every member, then waitRouted(). Throws as NatsServer::start and waitRouted.
  explicit NatsCluster(NatsClusterOptions options = {});
  ~NatsCluster();  // stops every member

  std::size_t size() const { return servers_.size(); }
  /// Member `i` (0-based, server name n<i+1>), to stop, kill or start again.
  NatsServer& server(std::size_t i) { return *servers_.at(i); }
  const NatsServer& server(std::size_t i) const { return *servers_.at(i); }
  /// Client URLs of every member, running or not (a client's server list).
  std::vector<std::string> urls() const;
  /// urls() joined by commas, as nats clients take a server list.
  std::string url() const;

  /// Waits until every running member has a route to each other running member and,
  /// with JetStream, all of them are healthy and name the same running meta leader
  /// (which needs a majority of the members running). Throws std::runtime_error saying
  /// what each member lacked after `timeout` (default: routeTimeout).
  void waitRouted(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// The meta leader's server name as the first running member sees it ("" for none).
  std::string metaLeader() const;

 private:
  std::string unready();  // "" when routed, else what each member lacks

  NatsClusterOptions options_;
  std::vector<std::unique_ptr<NatsServer>> servers_;
};

/// A test CA (ca.pem), a server certificate for 127.0.0.1 and localhost (server.pem,
/// server.key) and a client certificate (client.pem, client.key) written into `dir` with
/// the openssl CLI; returns the server's files with verify on. Throws as runChecked.
NatsTls writeTestTls(const TempDir& dir);

}  // namespace drover::testing
