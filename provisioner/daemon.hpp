#pragma once
// drover-provisioner's process: loads the flow, opens the state database, listens for
// registrations and `provisioner` agent requests on the bus, serves metrics over HTTP,
// and runs the Engine until SIGTERM or SIGINT.
//
// Thread ownership: the bus Connection belongs to run()'s thread; the engine's calls go
// through BusExecutor clients owned by the engine's threads; the HTTP server has its own.
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "core/bus/transport.hpp"
#include "core/registry/registry.hpp"
#include "core/security/replay_cache.hpp"
#include "core/service/metrics_endpoint.hpp"
#include "notifiers/dispatcher.hpp"
#include "provisioner/bus_executor.hpp"
#include "provisioner/control.hpp"
#include "provisioner/deploy/deployment_keeper.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/enroller.hpp"
#include "provisioner/flow.hpp"
#include "provisioner/metrics.hpp"
#include "provisioner/provisioner_config.hpp"
#include "provisioner/store.hpp"
#include "provisioner/web/live_page.hpp"
#include "provisioner/web/live_state.hpp"

namespace drover::provisioner {

/// Parses "Registration" envelope data (or an rpcutil inventory reply) into what the
/// engine needs. `sender` stands in when the data lacks an identity.
Registration registrationFrom(const Json& data, const std::string& sender);

/// Checks a registration envelope before the engine sees it. With `store` (security
/// on) a signed registration must verify as a node certificate named as its sender,
/// and an unsigned one is accepted only from a node that says it is enrolling (the
/// engine never takes it as a master). Without `store` every registration is trusted.
/// Returns std::nullopt, with `why` said, for a registration to ignore.
std::optional<Registration> acceptRegistration(const envelope::Envelope& env,
                                               security::CertificateStore* store,
                                               std::int64_t nowMs, std::string& why);

class Daemon {
 public:
  class StartupError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  /// Loads the flow, opens the store and the events file. Throws StartupError, FlowError
  /// or StoreError naming the file at fault.
  explicit Daemon(const ProvisionerConfig& config);
  ~Daemon();

  /// Runs until SIGTERM/SIGINT; returns the exit status. Throws StartupError when the
  /// metrics address cannot be bound.
  int run();

 private:
  void handleMessage(const bus::Message& message);
  /// Parks a deploy_wait whose deployment has not changed; false to answer it now.
  bool park(const envelope::Envelope& request);
  /// Answers the parked waits whose deployment changed or whose deadline passed.
  void answerParked(bool all);
  void reply(const envelope::Envelope& request, envelope::Envelope reply);
  /// Lists a verified registration (or inventory reply) in the registry.
  void record(const Json& data, const std::string& sender, std::int64_t sentMs);
  /// The reply to a `registry` request.
  envelope::Envelope registryAnswer(const envelope::Envelope& request) const;
  /// The registry's counts in Prometheus text, after the provisioner's own metrics.
  std::string registryMetrics() const;
  std::unique_ptr<DeploymentKeeper> makeDeploymentKeeper();
  // The HTTP listener (metrics.listen): /metrics, the live page, the login before them.
  void startHttp();
  web::LivePageSources pageSources();
  void stopHttp();
  void sweep();
  bool handleSignals();
  std::string readyStatus() const;  // the STATUS= systemd shows once ready
  bus::ConnectionOptions connectionOptions() const;
  std::unique_ptr<rpc::Client> makeClient() const;
  std::unique_ptr<KvNameLedger> makeLedger() const;
  /// Checks the caller of a control request; returns "" or why it is refused.
  std::string authorize(const envelope::Envelope& request) const;

  ProvisionerConfig config_;
  std::shared_ptr<const rpc::ClientSecurity> security_;  // null when security is off
  int signalFd_ = -1;
  std::vector<Flow> flows_;         // flow_file's first, then deployments.flow_files
  bool ready_ = false;              // READY=1 sent
  mutable zmq::context_t context_;  // clients are made from const helpers
  // What the live page shows: before the engine, whose threads write it, so it outlives
  // them.
  web::LiveState live_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Enroller> enroller_;  // null: enrolling nodes wait
  // The `notifiers:` section's channels and the events file (stdout when neither is set).
  std::unique_ptr<notifiers::Dispatcher> notifiers_;
  Metrics metrics_;
  std::unique_ptr<BusExecutor> executor_;
  std::unique_ptr<KvNameLedger> ledger_;  // naming.ledger nats; outlives names_
  std::unique_ptr<NameKeeper> names_;
  std::unique_ptr<DeploymentKeeper> deployments_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Control> control_;
  std::unique_ptr<bus::Transport> connection_;
  std::unique_ptr<web::LivePage> page_;                        // when page.enabled
  std::unique_ptr<service::MetricsEndpoint> metricsEndpoint_;  // when metrics.listen is set
  std::thread sweepThread_;
  std::string registrationTopic_;
  std::set<std::string> ignoredRegistrations_;  // senders already warned about
  security::ReplayCache replays_;  // ids of the control requests answered, until they expire
  registry::Registry registry_;    // fed by the bus thread and the start-up sweep
  std::atomic<bool> registryFullWarned_{false};
  // deploy_wait requests answered once their deployment's version moves on (or at their
  // deadline); the keeper's change listener wakes the bus loop through wakeFd_.
  struct ParkedWait {
    envelope::Envelope request;
    std::string name;
    std::int64_t version = 0;
    std::int64_t deadlineMs = 0;
  };
  std::vector<ParkedWait> parked_;
  int wakeFd_ = -1;
};

}  // namespace drover::provisioner
