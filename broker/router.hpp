#pragma once
// The broker: an XSUB/XPUB forwarder that never decodes message bodies.
//
// Every process publishes into the ingress (XSUB) and subscribes at the egress
// (XPUB). The ingress subscribes to everything itself instead of forwarding the
// egress subscriptions upstream: a newly connected client then needs no copy of the
// fleet's thousands of subscriptions, and topic filtering happens once, here, at
// the egress. Subscription events are read (XPUB_VERBOSER) to keep the counters.
//
// Thread ownership: a Router and its sockets belong to the thread that calls run().
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/bus/curve.hpp"
#include "core/util/json.hpp"

namespace drover::broker {

struct RouterOptions {
  std::vector<std::string> ingress{"tcp://127.0.0.1:7301"};
  std::vector<std::string> egress{"tcp://127.0.0.1:7302"};
  std::string control;          // REP endpoint answering stats requests; empty: none
  int highWaterMark = 100000;   // per peer; sized for a reply storm from 10,000 nodes
  std::optional<bus::CurveKeys> curve;  // serve CURVE on every endpoint
  std::set<std::string> allowedClients;  // Z85 public keys; empty: any CURVE client
};

struct RouterStats {
  std::uint64_t messagesIn = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t malformed = 0;       // not [topic][body]: dropped
  std::uint64_t subscribes = 0;
  std::uint64_t unsubscribes = 0;
  std::uint64_t topics = 0;          // distinct topics subscribed now
  std::uint64_t peersAccepted = 0;   // CURVE handshakes allowed
  std::uint64_t peersRefused = 0;    // CURVE keys not in the allowed list
  std::int64_t startedMs = 0;
  Json toJson() const;
};

class Router {
 public:
  /// Binds every endpoint. Throws zmq::error_t naming nothing: the caller reports
  /// which endpoint failed (bindOrDie in main).
  Router(zmq::context_t& context, const RouterOptions& options);

  /// Forwards until `stop` becomes true (checked at least every 200 ms).
  void run(const std::atomic<bool>& stop);

  /// Endpoints actually bound (a `tcp://127.0.0.1:*` request shows its port here).
  const std::vector<std::string>& ingressEndpoints() const { return ingressBound_; }
  const std::vector<std::string>& egressEndpoints() const { return egressBound_; }
  const std::string& controlEndpoint() const { return controlBound_; }

  const RouterStats& stats() const { return stats_; }

 private:
  void forwardIngress();
  void readSubscriptions();
  void answerControl();
  void answerZap();

  zmq::socket_t ingress_;
  zmq::socket_t egress_;
  std::optional<zmq::socket_t> control_;
  std::optional<zmq::socket_t> zap_;   // ZeroMQ's authentication handler (CURVE only)
  std::set<std::string> allowedClients_;
  std::vector<std::string> ingressBound_;
  std::vector<std::string> egressBound_;
  std::string controlBound_;
  std::map<std::string, std::uint32_t> subscriptions_;  // topic -> subscriber count
  RouterStats stats_;
};

}  // namespace drover::broker
