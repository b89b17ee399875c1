#pragma once
// One simulated node: its own NodeCore (identity, facts, the real rpcutil agent) and its
// own bus::Transport, so the bus sees it exactly as it sees a droverd: a node topic
// and one broadcast topic per agent, subscribed on a connection of its own.
//
// It answers on the calling thread, inline, as droverd does for rpcutil; agents that
// droverd would hand to workers run inline here too (the simulator hosts only rpcutil).
//
// Thread ownership: a VirtualNode belongs to the thread that polls its socket (Fleet).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "bench/fleet/request_trace.hpp"
#include "core/bus/transport.hpp"
#include "core/ddl/repository.hpp"
#include "node/node_core.hpp"

namespace drover::bench {

struct VirtualNodeCounters {
  std::uint64_t received = 0;   // messages taken off the socket
  std::uint64_t answered = 0;   // replies published (results and refusals)
  std::uint64_t ignored = 0;    // filtered out, other collective, agent not hosted
  std::uint64_t refused = 0;    // failed a check: answered with a refusal, or dropped
  std::uint64_t malformed = 0;  // undecodable envelopes, dropped
  std::uint64_t dropped = 0;    // replies ZeroMQ would not queue (HWM) or bad reply topics
};

class VirtualNode {
 public:
  /// Builds the node and connects its sockets (ZeroMQ connects lazily). Throws
  /// std::runtime_error when `ddls` lacks rpcutil, zmq::error_t on a bad endpoint.
  /// `security` null: the node verifies and signs nothing.
  VirtualNode(zmq::context_t& context, const bus::Endpoints& endpoints,
              const bus::ConnectionOptions& options, const ddl::Repository& ddls,
              std::string identity, std::size_t index, const std::string& collective,
              std::shared_ptr<node::NodeSecurity> security = nullptr);

  const std::string& identity() const { return identity_; }
  bus::Transport& connection() { return *connection_; }

  /// Answers every message waiting on the node's socket (none: returns at once).
  /// Returns how many were taken. Never throws for bad input.
  std::size_t serve();

  /// Publishes the node's registration, as droverd does at start.
  void announce();

  const VirtualNodeCounters& counters() const { return counters_; }

  /// Records arrivals and replies into `trace` (nullptr: none); it must outlive the node.
  void traceInto(RequestTrace* trace) { trace_ = trace; }

 private:
  void handle(const bus::Message& message);
  void send(const envelope::Envelope& request, const envelope::Envelope& reply);

  std::string identity_;
  std::string collective_;
  std::string nodeTopic_;    // direct-addressing topic, to tell direct from broadcast
  std::string replyPrefix_;  // replies only go to `<collective>.reply.*`
  node::NodeCore core_;
  std::unique_ptr<bus::Transport> connection_;
  VirtualNodeCounters counters_;
  RequestTrace* trace_ = nullptr;
};

}  // namespace drover::bench
