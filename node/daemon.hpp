#pragma once
// droverd: joins the bus, announces itself, and answers requests.
//
// One bus thread owns the ZeroMQ sockets and runs the poll loop: requests are
// decoded and inspected there, cheap read-only agents answer inline, everything
// else goes to the WorkerPool; workers hand replies back through the Outbox.
// SIGTERM/SIGINT stop the loop (in-flight work finishes), SIGHUP re-reads facts, the
// CRL and policies. Facts, the CRL and policies are also re-read when they change
// (ChangeWatch); between events and registrations the loop sleeps.
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <zmq.hpp>

#include "core/bus/transport.hpp"
#include "core/facts/fact_set.hpp"
#include "core/log/throttle.hpp"
#include "core/service/metrics_endpoint.hpp"
#include "node/change_watch.hpp"
#include "node/node_config.hpp"
#include "node/node_core.hpp"
#include "node/outbox.hpp"
#include "node/worker_pool.hpp"

namespace drover::node {

class Daemon {
 public:
  /// Thrown when the node cannot start (bad DDL for a built-in, unreadable facts).
  class StartupError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  /// Loads facts, classes and agents. Throws StartupError.
  explicit Daemon(const NodeConfig& config);
  ~Daemon();

  /// Serves until SIGTERM or SIGINT. Returns the process exit code.
  int run();

 private:
  void loadAgents();
  void subscribeAll();
  void handleMessage(const bus::Message& message);
  void dispatch(Decision decision, envelope::Envelope request);
  void sendReply(const envelope::Envelope& request, envelope::Envelope reply);
  bool mayLogRefused();
  void reportSuppressed(bool final);
  void announce(const char* reason, bool leaving = false);
  bool refreshFacts();  // true when facts or classes changed (not yet announced)
  void reloadPolicies();
  void reloadSecurity();
  void refreshCrl();
  bool handleSignals();  // false when the daemon must stop
  void writePidFile() const;
  std::string readyStatus() const;
  std::string metricsText()
      const;  // at a scrape, on the endpoint's thread  // the STATUS= systemd shows once ready

  NodeConfig config_;
  int signalFd_ = -1;  // created first: signals are blocked before any thread starts
  // Placed before the files it watches are first read: a change written at any time
  // after that read is heard, even one made before the node reaches the bus.
  ChangeWatch watch_;
  facts::FactSet facts_;
  NodeCore core_;
  zmq::context_t context_;
  std::unique_ptr<bus::Transport> connection_;
  Outbox outbox_;
  WorkerPool pool_;
  // Read by the metrics endpoint's thread at a scrape.
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> registrations_{0};
  std::unique_ptr<service::MetricsEndpoint> metrics_;    // when metrics.listen is set
  SecurityMode announcedMode_ = SecurityMode::Disabled;  // as the last registration said
  bool ready_ = false;                                   // READY=1 sent: the broker answered once
  // Lines about traffic nobody verified (malformed, unsigned, forged, replayed): a flood
  // of it must not flood the log or slow the bus thread. Bus thread only.
  log::LogThrottle refusedLog_{50, std::chrono::seconds(10)};
};

}  // namespace drover::node
