#pragma once
// The broker as drover-broker serves it: a Router built from broker.yaml (CURVE keys
// loaded from their files), its bound endpoints written for whoever started it, a warning
// when the control socket is open to any peer, and a log line on start and stop.
//
// Thread ownership: a Server and its Router belong to the thread that calls run().
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include <zmq.hpp>

#include "broker/broker_config.hpp"
#include "broker/router.hpp"
#include "core/service/metrics_endpoint.hpp"

namespace drover::broker {

/// The router's options from `config`, keys loaded. Throws bus::CurveError naming the key
/// file that is unusable or the setting that needs curve.key_file.
RouterOptions routerOptions(const BrokerConfig& config);

class Server {
 public:
  /// An endpoint could not be bound; the message names every endpoint asked for.
  class BindError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  /// Loads the keys and binds every endpoint, metrics.listen's included. Throws
  /// bus::CurveError (keys) or BindError.
  Server(zmq::context_t& context, const BrokerConfig& config);
  ~Server();

  /// Writes {"ingress":[...],"egress":[...],"control":"..."} as bound (a tcp://...:*
  /// request shows its port) to `file`, replacing it atomically.
  void writeEndpoints(const std::string& file) const;
  /// "ingress=... egress=...": the bound endpoints, for logs and systemd's status.
  std::string endpointsText() const;

  /// Forwards until `stop` becomes true, then logs the final counters.
  void run(const std::atomic<bool>& stop);

 private:
  std::unique_ptr<Router> router_;
  std::unique_ptr<service::MetricsEndpoint> metrics_;  // after router_: stopped first
  bool curve_ = false;
};

}  // namespace drover::broker
