#pragma once
// The broker: an XSUB/XPUB forwarder that never decodes message bodies.
//
// Every process publishes into the ingress (XSUB) and subscribes at the egress
// (XPUB). The ingress subscribes to everything itself instead of forwarding the
// egress subscriptions upstream: a newly connected client then needs no copy of the
// fleet's thousands of subscriptions, and topic filtering happens once, here, at
// the egress. Subscription events are read (XPUB_VERBOSER) to keep the counters.
//
// Handshakes: a monitor on the ingress, egress and control sockets reports every
// completed and every refused handshake (see HandshakeTracker); refusals are counted by
// reason and logged at most kRefusalLines per kRefusalWindow, then as a count of the
// lines suppressed. With CURVE, a ZAP handler decides who may connect: on the ingress and
// egress any key when allowedClients is empty, else only those; on the control socket
// only the broker's own key and adminClients, so no bus peer reads the counters. The
// control socket answers the request "stats" and nothing else; it changes no state.
//
// Thread ownership: a Router and its sockets belong to the thread that calls run().
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "broker/handshake_tracker.hpp"
#include "core/bus/curve.hpp"
#include "core/bus/monitor.hpp"
#include "core/log/throttle.hpp"
#include "core/util/clock.hpp"
#include "core/util/json.hpp"

namespace drover::broker {

struct RouterOptions {
  std::vector<std::string> ingress{"tcp://127.0.0.1:7301"};
  std::vector<std::string> egress{"tcp://127.0.0.1:7302"};
  std::string control;                   // REP endpoint answering stats requests; empty: none
  int highWaterMark = 100000;            // per peer; sized for a reply storm from 10,000 nodes
  std::optional<bus::CurveKeys> curve;   // serve CURVE on every endpoint
  std::set<std::string> allowedClients;  // Z85 public keys; empty: any CURVE client
  std::set<std::string> adminClients;    // Z85 keys also allowed on the control socket
};

constexpr int kRefusalLines = 10;  // refusal lines logged per window, then counted
constexpr std::chrono::seconds kRefusalWindow{10};

struct RouterStats {
  std::uint64_t messagesIn = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t malformed = 0;  // not [topic][body]: dropped
  std::uint64_t subscribes = 0;
  std::uint64_t unsubscribes = 0;
  std::uint64_t topics = 0;         // distinct topics subscribed now
  std::uint64_t peersAccepted = 0;  // handshakes completed
  std::uint64_t peersRefused = 0;   // handshakes refused, whatever the reason
  std::array<std::uint64_t, bus::kHandshakeFailureKinds> refusedBy{};  // by reason
  std::uint64_t refusalLinesSuppressed = 0;  // refusal log lines the throttle held back
  std::uint64_t acceptsFailed = 0;           // connections the kernel would not give us (EMFILE...)
  std::uint64_t acceptPauses = 0;            // times a socket stopped listening for want of files
  // Open TCP connections by socket role (ingress, egress, control): accepted less closed.
  std::map<std::string, std::uint64_t> connections;
  std::int64_t startedMs = 0;
  Json toJson() const;
};

class Router {
 public:
  /// Binds every endpoint. Throws zmq::error_t naming nothing: the caller reports
  /// which endpoint failed (Server, in broker/server.hpp).
  Router(zmq::context_t& context, const RouterOptions& options);
  ~Router();

  /// Forwards until `stop` becomes true (checked at least every 200 ms).
  void run(const std::atomic<bool>& stop);

  /// Endpoints actually bound (a `tcp://127.0.0.1:*` request shows its port here).
  const std::vector<std::string>& ingressEndpoints() const { return ingressBound_; }
  const std::vector<std::string>& egressEndpoints() const { return egressBound_; }
  const std::string& controlEndpoint() const { return controlBound_; }

  const RouterStats& stats() const { return stats_; }
  /// The counters as of the end of the router's last loop turn, from any thread.
  RouterStats snapshot() const;

 private:
  bool pollOnce(std::vector<zmq::pollitem_t>& items, std::chrono::milliseconds timeout);
  void forwardIngress();
  void readSubscriptions();
  void answerControl();
  void answerZap();
  std::optional<std::string> zapRefusal(const std::string& domain, const std::string& key) const;

  // One monitored socket: its role ("ingress", "egress", "control") and handshakes.
  struct Watch {
    std::string role;
    std::string endpoint;  // bound endpoints, for log lines
    std::unique_ptr<bus::SocketMonitor> monitor;
    HandshakeTracker tracker;
    zmq::socket_t* socket = nullptr;
    std::vector<std::string> bound;  // what to bind again after a pause
    // Out of open files: not listening until then (libzmq would retry accept() in a
    // tight loop, millions of times a second, and starve the forwarding).
    std::optional<util::SteadyClock::time_point> pausedUntil;
    std::uint64_t accepted = 0;  // connections accepted, and closed since
    std::uint64_t closed = 0;
  };
  std::vector<std::string> watchAndBind(zmq::context_t& context, zmq::socket_t& socket,
                                        std::string role,
                                        const std::vector<std::string>& endpoints);
  void readMonitor(Watch& watch);
  const std::string& endpointOf(const std::string& role) const;
  void countRefusal(const Watch& watch, const HandshakeVerdict& verdict);
  bool mayLogRefusal();
  void flushSuppressed();
  void reportSuppressed(std::uint64_t count);
  void countAcceptFailure(Watch& watch, std::uint32_t error);
  void resumeAccepting();

  zmq::socket_t ingress_;
  zmq::socket_t egress_;
  std::optional<zmq::socket_t> control_;
  std::optional<zmq::socket_t> zap_;  // ZeroMQ's authentication handler (CURVE only)
  bool curve_ = false;
  std::string ownKey_;  // the broker's public key, allowed on the control socket
  std::set<std::string> allowedClients_;
  std::set<std::string> adminClients_;
  std::vector<Watch> watches_;  // after the sockets: a monitor goes before its socket
  log::LogThrottle refusalLog_{kRefusalLines, kRefusalWindow};
  std::vector<std::string> ingressBound_;
  std::vector<std::string> egressBound_;
  std::string controlBound_;
  std::map<std::string, std::uint32_t> subscriptions_;  // topic -> subscriber count
  RouterStats stats_;
  // Copies stats_ for snapshot(), at most every kPublishEvery unless `now`.
  void publish(bool now = false);
  util::SteadyClock::time_point nextPublish_{};
  mutable std::mutex publishedMutex_;
  RouterStats published_;  // guarded by publishedMutex_
};

}  // namespace drover::broker
