#pragma once
// Deployments on the provisioner's side (provisioner/README.md, "Deployments"):
// a deployment file's pools launched through a launcher, each member named and
// provisioned by the flow like any node, then wired to its peers over the bus:
//
// - `up` parses the file again (core/deploy), persists it, and plans each pool: the
//   slots to launch (written as Launching before the launcher is asked, so a restart
//   asks the launcher what exists instead of launching twice) and the members to stop
//   (a smaller count);
// - registrations say each member's name, address and chosen facts; a change of them
//   makes a new version of the deployment's cluster facts, pushed to every wired member
//   (cluster#set_facts), and a new member's SSH keys a new trust version
//   (cluster#set_trust): replaced whole on the node, never appended;
// - a member the flow provisioned is wired (its keys asked, the facts and trust of the
//   moment given), then waits until every parameter resolves (a peer's address, a
//   pool's names) and every `after` pool is done: a registration that changes the
//   cluster view wakes the waiting members at once, nothing is polled;
// - then its files are written and its stages run in order (the bundle sent in chunks,
//   digest checked on the node); each run is recorded, a stage that ran with this
//   bundle and exit 0 is never run again, and a failed one stops the member with its
//   output tail (status, and a Failed notification);
// - `down` stops every member through the launcher and releases their names.
//
// Threads: `workers` drivers take members with work to do (one member each at a time;
// calls block them), one launcher thread (launches and stops, one at a time), one pusher
// (facts and trust). State is under one lock; calls are made without it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/deploy/deployment.hpp"
#include "core/deploy/resolve.hpp"
#include "core/util/blob_store.hpp"
#include "launchers/launcher.hpp"
#include "notifiers/event.hpp"
#include "provisioner/deploy/member.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/executor.hpp"
#include "provisioner/name_keeper.hpp"
#include "provisioner/store.hpp"

namespace drover::provisioner {

/// A refused deployment command: `invalid` for arguments that are wrong (InvalidData),
/// otherwise the command cannot be done now (Aborted).
class DeployError : public std::runtime_error {
 public:
  DeployError(const std::string& what, bool invalid = false)
      : std::runtime_error(what), invalid_(invalid) {}
  bool invalid() const { return invalid_; }

 private:
  bool invalid_;
};

struct DeployOptions {
  std::filesystem::path blobDir;              // bundles and files, by digest
  std::uint64_t maxBlobBytes = 256ull << 20;  // one bundle
  std::size_t chunkBytes = 512 * 1024;        // cluster#put_chunk's data, decoded
  std::chrono::milliseconds callTimeout{30000};
  std::chrono::milliseconds retryAfter{5000};  // a member call without a reply
  int retries = 5;                             // attempts of one wiring call before failing
  int workers = 4;
  std::string addressFact = "ipaddress";
  // The provisioner's flows by name, the default first: a pool naming another is refused.
  std::vector<std::string> flows;
};

class DeploymentKeeper {
 public:
  using Clock = std::function<std::int64_t()>;

  /// Loads the deployments and members from `store`. `launcher` null: `up` is refused
  /// (saying why: `launcherError`). Throws StoreError. Nothing runs before start().
  DeploymentKeeper(DeployOptions options, Store& store, StepExecutor& executor,
                   std::unique_ptr<launchers::Launcher> launcher, std::string launcherError,
                   NameKeeper* names, notifiers::EventSink& events, Clock clock);
  ~DeploymentKeeper();  // stop(10 s)
  DeploymentKeeper(const DeploymentKeeper&) = delete;
  DeploymentKeeper& operator=(const DeploymentKeeper&) = delete;

  /// What the keeper asks of the engine. None of it is called with the keeper's lock
  /// held: the engine calls engineChanged with its own.
  struct EngineLink {
    /// What the flow made of a node (Engine::node's JSON), std::nullopt when unknown.
    std::function<std::optional<Json>(const std::string& identity)> node;
    /// Has a member go through its pool's flow (Engine::assignFlow): "" or why not.
    std::function<std::string(const std::string& identity, const std::string& flow)> assignFlow;
    /// A stopped member's node is gone for good (Engine::forget).
    std::function<void(const std::string& identity, const std::string& why)> forget;
  };
  /// Starts the threads. Each member is assigned its flow, and the engine asked what
  /// happened to it while no provisioner ran (later changes come through engineChanged).
  void start(EngineLink engine);
  /// Stops the threads, waiting up to `grace` for calls under way; false when some are
  /// still in a call (they are left to it).
  bool stop(std::chrono::milliseconds grace);

  /// The engine's change listener: a member's flow state and step. Only notes it.
  void engineChanged(const NodeRecord& record);
  /// A node's registration: members' names, addresses, facts, versions they hold.
  void observe(const Registration& registration);

  /// Control actions (control.hpp: deploy_put_blob, deploy_up, deploy_down); throw
  /// DeployError.
  Json putBlob(const Json& args);
  Json up(const Json& args, const std::string& by);
  Json down(const std::string& name, const std::string& by);
  /// deploy_status; std::nullopt for a deployment this provisioner does not know.
  std::optional<Json> status(const std::string& name) const;
  Json list() const;
  /// The deployment's version (changes with anything status shows); -1 when unknown.
  std::int64_t version(const std::string& name) const;
  /// Called (without the lock) after any version changed: the daemon answers the
  /// deploy_wait requests parked on it.
  void setChangeListener(std::function<void()> listener) { changed_ = std::move(listener); }

 private:
  struct Deployment;  // keeper_state.hpp
  using Lock = std::unique_lock<std::mutex>;
  // A unit of work for the launcher thread.
  struct LaunchJob {
    std::string deployment;
    std::vector<std::string> launch;  // identities in Launching
    std::vector<std::string> stop;    // identities in Stopping
    bool adopt = false;               // a restart: ask the launcher what exists first
  };

  // deployment_keeper.cpp: loading, commands, status
  void load();
  Deployment* find(const std::string& name);
  const Deployment* find(const std::string& name) const;
  Json upParsed(::drover::deploy::Deployment spec, Json doc, const std::string& by);
  void plan(Deployment& d, LaunchJob& job, std::int64_t now);
  void markStopping(DeploymentMember& member, LaunchJob& job, std::int64_t now);
  void retryFailed(Deployment& d, LaunchJob& job, std::int64_t now);
  void threadEnded();
  std::vector<std::string> membersOf(const std::string& deployment) const;
  std::size_t wantedMembers(const Deployment& d) const;
  std::string stateOf(const Deployment& d) const;
  void save(const DeploymentMember& member);
  void saveDeployment(const Deployment& d);
  void touch(Deployment& d);
  void notifyChanged();  // without the lock
  // keeper_launch.cpp: the launcher thread
  void launcherLoop();
  void adopt(LaunchJob& job);
  void launchMembers(const std::string& deployment, const std::vector<std::string>& identities);
  void catchUpWithFlow(const std::vector<std::string>& identities);
  void stopMembers(const std::string& deployment, const std::vector<std::string>& identities);
  /// Drops a deployment that is down and has no member left; false if it is not so.
  bool dropIfDown(const std::string& deployment);
  // keeper_driver.cpp: members with work to do
  void wakeLocked(const std::string& identity);
  void wakeWaiting(const std::string& deployment);
  void rewriteStaleFiles(Deployment& d);
  void driverLoop();
  void drive(const std::string& identity, Lock& lock);
  bool wire(const std::string& identity, Lock& lock);
  bool resolve(const std::string& identity, Lock& lock);
  bool writeFiles(const std::string& identity, Lock& lock);
  bool runStages(const std::string& identity, Lock& lock);
  bool sendBundle(const std::string& identity, const ::drover::deploy::Blob& blob,
                  std::string& error);
  bool settle(const std::string& identity, const std::string& what,
              const std::vector<CallReply>& replies);
  bool retryOrFail(const std::string& identity, const std::string& what, const std::string& error);
  void fail(DeploymentMember& member, const std::string& step, const std::string& error);
  void moveTo(const std::string& identity, MemberPhase phase, const std::string& step);
  void setStep(const std::string& identity, const std::string& step);
  std::vector<CallReply> callMember(const std::string& identity, const std::string& action,
                                    const Json& args, std::chrono::milliseconds timeout);
  // keeper_push.cpp: registrations, the flow, cluster facts and trust
  bool noteRegistration(Deployment& d, DeploymentMember& member, const Registration& r);
  std::vector<::drover::deploy::Member> clusterView(const Deployment& d) const;
  ::drover::deploy::Member memberView(const DeploymentMember& member) const;
  void viewChanged(Deployment& d);
  void trustChanged(Deployment& d);
  Json factsArgs(const Deployment& d) const;
  Json trustArgs(const Deployment& d) const;
  void pusherLoop();
  bool pushRound(Lock& lock);

  const DeployOptions options_;
  Store& store_;
  StepExecutor& executor_;
  std::unique_ptr<launchers::Launcher> launcher_;
  EngineLink engine_;  // set by start(), before any thread runs
  void assignFlows(const std::vector<std::pair<std::string, std::string>>& flows);
  void checkFlows(const ::drover::deploy::Deployment& spec) const;
  void sweepBlobs();
  const std::string launcherError_;
  NameKeeper* const names_;
  notifiers::EventSink& events_;
  const Clock clock_;
  util::BlobStore blobs_;
  std::function<void()> changed_;

  mutable std::mutex mutex_;
  std::condition_variable driverWake_;
  std::condition_variable launcherWake_;
  std::condition_variable pusherWake_;
  std::map<std::string, std::unique_ptr<Deployment>> deployments_;
  std::map<std::string, DeploymentMember> members_;  // identity -> member
  std::deque<std::string> ready_;                    // members with work, in order
  std::set<std::string> queued_;                     // in ready_ or being driven
  std::set<std::string> driving_;
  std::set<std::string> again_;  // woken while being driven: drive once more
  std::deque<LaunchJob> launchJobs_;
  std::multimap<std::int64_t, std::string> retryAt_;  // member to wake ("" : a push retry)
  std::condition_variable threadsEnded_;
  int running_ = 0;  // threads not yet ended
  bool stopping_ = false;
  bool changedPending_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace drover::provisioner
