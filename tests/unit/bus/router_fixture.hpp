#pragma once
// A real Router on ephemeral loopback ports, forwarding on its own thread.
#include <atomic>
#include <memory>
#include <thread>

#include <zmq.hpp>

#include "broker/router.hpp"
#include "core/bus/zmq_connection.hpp"

namespace drover::testing {

class RouterThread {
 public:
  explicit RouterThread(broker::RouterOptions options = {}) {
    options.ingress = {"tcp://127.0.0.1:*"};
    options.egress = {"tcp://127.0.0.1:*"};
    router_ = std::make_unique<broker::Router>(context_, options);
    thread_ = std::thread([this] { router_->run(stop_); });
  }
  ~RouterThread() {
    stop_ = true;
    thread_.join();
  }
  bus::Endpoints endpoints() const {
    return {router_->ingressEndpoints().front(), router_->egressEndpoints().front()};
  }
  const broker::RouterStats& stats() const { return router_->stats(); }
  /// The control endpoint bound, when options.control asked for one.
  const std::string& control() const { return router_->controlEndpoint(); }
  zmq::context_t& context() { return context_; }

 private:
  zmq::context_t context_{1};
  std::unique_ptr<broker::Router> router_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace drover::testing
