#pragma once
// A responder for the `provisioner` agent on a real broker, to run the real `drover
// deploy` against: it signs with a provisioner certificate of the fleet's CA, records
// every request it gets (action and args) and answers what the test's script says. It
// decides nothing itself: no deployment, no store, no launcher.
//
// Thread ownership: the responder's bus connection lives on its own thread; requests()
// and waitForRequest() may be called from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/bus/zmq_connection.hpp"
#include "core/envelope/envelope.hpp"
#include "core/security/signing.hpp"
#include "core/util/json.hpp"
#include "tests/integration/fleet.hpp"

namespace drover::integration {

struct ProvisionerRequest {
  std::string action;
  Json args;
};

/// The reply's status and data; std::nullopt sends no reply at all (a held long poll).
using ProvisionerAnswer = std::optional<std::pair<envelope::Status, Json>>;

class StandInProvisioner {
 public:
  using Script = std::function<ProvisionerAnswer(const ProvisionerRequest&)>;

  /// Subscribes as `name` (broadcasts to the agent and its node topic) and returns once
  /// the broker has the subscriptions. Throws std::runtime_error if it does not.
  StandInProvisioner(Fleet& fleet, const std::string& name, Script script);
  ~StandInProvisioner();
  StandInProvisioner(const StandInProvisioner&) = delete;
  StandInProvisioner& operator=(const StandInProvisioner&) = delete;

  const std::string& name() const { return name_; }
  std::vector<ProvisionerRequest> requests() const;
  /// The actions asked, in order.
  std::vector<std::string> actions() const;
  /// Waits until `count` requests of `action` have arrived; false after `timeout`.
  bool waitForRequest(const std::string& action, std::size_t count,
                      std::chrono::milliseconds timeout);

 private:
  void serve(const bus::Endpoints& endpoints, std::promise<std::string>& ready);
  void answer(bus::ZmqConnection& connection, const envelope::Envelope& request);
  std::size_t countOf(const std::string& action) const;

  std::string name_;
  Script script_;
  security::Signer signer_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<ProvisionerRequest> requests_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace drover::integration
