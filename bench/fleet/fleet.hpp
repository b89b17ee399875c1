#pragma once
// Many virtual nodes in one process: one ZeroMQ context, one epoll loop over every
// node's connection. Each node still has its own connection to the bus (PUB and SUB to
// the broker, or one NATS connection), so the bus carries the same subscriptions and
// per-node traffic as for a fleet of real droverd processes; only the CPU is shared
// (N nodes answer one after another).
//
// Thread ownership: a Fleet and every node in it belong to the thread that made it.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bench/fleet/virtual_node.hpp"
#include "core/bus/transport.hpp"

namespace drover::bench {

struct FleetOptions {
  std::size_t count = 100;      // virtual nodes in this process
  std::size_t firstIndex = 0;   // index of the first node (several processes split a fleet)
  std::size_t indexStride = 1;  // node i has index firstIndex + i * indexStride
  std::string prefix = "sim";   // identities are PREFIX-NNNN
  std::string collective = "drover";
  bus::Endpoints endpoints;
  std::vector<std::string> ddlDirs;               // where rpcutil.json is found
  int ioThreads = 2;                              // ZeroMQ I/O threads of the shared context
  std::chrono::milliseconds readyTimeout{60000};  // per node, for its broker probe
  std::filesystem::path traceFile;  // per-request timings written here at exit; empty: none
  // A CA directory (ca.key, ca.crt, crl.pem): every node gets its own certificate and
  // enforces security as droverd does (FleetSecurity). Empty: nothing verified or signed.
  std::filesystem::path securityDir;
  std::filesystem::path auditLog;  // with securityDir: where the nodes' audit lines go
};

struct FleetTotals {
  VirtualNodeCounters counters;
  std::uint64_t wakeups = 0;  // poll returns with work
};

class Fleet {
 public:
  /// Loads the DDLs, raises ZMQ_MAX_SOCKETS to fit the fleet, and builds every node.
  /// Throws std::runtime_error (missing rpcutil DDL, socket limit beyond what the
  /// context allows) or zmq::error_t (bad endpoint, out of file descriptors).
  explicit Fleet(const FleetOptions& options);
  ~Fleet();  // out of line: VirtualNode is complete only in fleet.cpp's includes

  /// Runs every node's bus probe (bus::Transport::waitReady), one node after the
  /// other; the connections were opened together, so most probes answer at once.
  /// Returns the number of nodes that did not become ready within readyTimeout.
  std::size_t waitReady();

  /// Publishes every node's registration.
  void announceAll();

  /// Serves requests until `stopFd` (a signalfd, say) becomes readable, then writes
  /// the trace file if one was asked for.
  void run(int stopFd);

  std::size_t size() const { return nodes_.size(); }
  FleetTotals totals() const;

 private:
  FleetOptions options_;
  zmq::context_t context_;
  std::shared_ptr<bus::NatsEventLoop> natsLoop_;     // NATS: one loop for every connection
  std::vector<std::unique_ptr<VirtualNode>> nodes_;  // closed before the loop stops
  std::unique_ptr<RequestTrace> trace_;              // only with options.traceFile
  std::uint64_t wakeups_ = 0;
};

}  // namespace drover::bench
