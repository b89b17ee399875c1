#pragma once
// The collective's names on the provisioner's side (DESIGN.md, "Clusters"; research/
// naming.md): one naming::NameTable, persisted in the Store before any node hears of a
// change, and the work that follows a change:
//
// - the flow's assign_name step asks assign() (engine_calls.cpp): the name is written
//   and synced, then the engine sends naming#set_name;
// - registrations (observe) keep names live and addresses current, and say which name
//   each node holds now and which hosts version it has;
// - a name silent for `release_after` is released (the courier thread wakes for it);
// - operators release, promote and reserve (control.cpp), with a dry run;
// - the courier tells nodes their new names after a promotion or a return, in an order
//   where no two live nodes ever report one name (a node whose new name another still
//   holds waits for it to move; a swap goes through the node's identity);
// - the pusher sends every node the hosts entries (naming#update_hosts, one broadcast,
//   changes within `push_interval` coalesced), and sends them directly to a node whose
//   registration reports an older version (a node that was away, or new).
//
// Shared names (naming.ledger: nats, kv_name_ledger.hpp): the table is then what the
// bucket holds, which the other provisioners change too. Every change is written there
// first, each name only at the revision this keeper last saw; when another provisioner
// changed one of them first, the keeper takes the bucket's latest and decides again.
// Their changes come from the bucket's watcher. The store keeps a copy and the history
// of this provisioner's own changes.
//
// Thread safe. Calls are made without the lock (the bucket's writes excepted: a change
// is decided and written as one step).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/naming/name_table.hpp"
#include "core/util/clock.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/executor.hpp"
#include "provisioner/kv_name_ledger.hpp"
#include "provisioner/name_assigner.hpp"
#include "provisioner/store.hpp"

namespace drover::provisioner {

struct NamingOptions {
  std::string domain;                              // fqdn = name.domain ("" : the name)
  std::chrono::milliseconds releaseAfter{600000};  // silence that frees a name
  std::string addressFact = "ipaddress";           // the fact hosts files map names to
  // At most one hosts push per interval: each carries every entry to every node, so a
  // burst of assignments becomes a few pushes, not one per name.
  std::chrono::milliseconds pushInterval{1000};
  std::chrono::milliseconds callTimeout{15000};  // set_name and direct update_hosts
  // How long a push waits for replies: they are counted for the log, nothing else (a
  // node that missed it catches up by its registration's hosts_version).
  std::chrono::milliseconds pushTimeout{100};
  std::chrono::milliseconds retryAfter{5000};  // a node that did not answer
};

/// Broadcasts one request to every node hosting its agent; returns the replies' count.
class Broadcaster {
 public:
  virtual ~Broadcaster() = default;
  virtual std::size_t broadcast(const CallRequest& request) = 0;
};

class NameKeeper : public NameAssigner {
 public:
  using Clock = std::function<std::int64_t()>;

  /// Loads the holdings from `store`, or from `ledger` when the names are shared (each
  /// counts as seen now: a restart gives every name release_after again). Throws
  /// StoreError, or LedgerError when the ledger cannot be read. Nothing runs before
  /// start(). `ledger` must outlive the keeper.
  NameKeeper(NamingOptions options, Store& store, StepExecutor& executor, Broadcaster* broadcaster,
             Clock clock, KvNameLedger* ledger = nullptr);
  ~NameKeeper();  // stop()
  NameKeeper(const NameKeeper&) = delete;
  NameKeeper& operator=(const NameKeeper&) = delete;

  void start();
  void stop();

  Given assign(const std::string& node, const Json& declaration, const Json& facts) override;
  void told(const std::string& node, const Json& reply) override;
  std::optional<Given> nameOf(const std::string& node) const override;

  /// A node's registration (or inventory reply).
  void observe(const Registration& registration);

  /// What an operator command did (or, with dry_run, would do).
  struct Result {
    std::vector<naming::Change> changes;
    std::string error;
    bool applied = false;
  };
  Result release(const std::string& name, const std::string& by, bool dryRun);
  Result promote(const std::string& nodeOrName, const std::string& by, bool dryRun);
  Result reserve(const std::string& name, const std::string& node, const std::string& by,
                 bool dryRun);

  /// {names: [...], domain, hosts_version}, only `service`'s when set.
  Json list(const std::string& service) const;
  /// The holding of a name, alias or node, and its history; std::nullopt when none
  /// holds it and it has no history.
  std::optional<Json> show(const std::string& key, std::size_t limit) const;
  std::int64_t hostsVersion() const;
  const NamingOptions& options() const { return options_; }

 private:
  using Lock = std::unique_lock<std::mutex>;
  struct Rename {
    std::string node;
    std::string name;  // "" : drop the name for now (a swap)
  };

  using Operation = std::function<naming::Outcome(naming::NameTable&)>;
  struct Shared {
    std::optional<naming::Holding> holding;  // std::nullopt: free
    std::uint64_t revision = 0;
  };

  /// Runs `op` on the table and keeps what it changed (commit); with a ledger, writes
  /// it there first. On a conflict the error says why and nothing changed.
  naming::Outcome change(const Operation& op, const std::string& by, std::int64_t now);
  naming::Outcome changeShared(const Operation& op, const std::string& by, std::int64_t now);
  /// The ledger's watcher: a change made by anyone, queued for drainLedger().
  void fromLedger(const KvNameLedger::Entry& entry);
  /// Applies what the watcher queued.
  void drainLedger();
  void ledgerLoop();
  /// Records the ledger's `entry` when it is newer than what is known.
  bool takeShared(const KvNameLedger::Entry& entry);
  /// The table as the ledger has it, with what this keeper saw itself (addresses, when
  /// each node was last seen). A node the ledger shows with two names keeps the newer;
  /// the older is freed.
  void rebuildFromShared();
  std::set<std::string> touchedBy(const naming::Outcome& outcome,
                                  const naming::NameTable& table) const;
  Json holdingJson(const naming::Holding& holding, std::int64_t now) const;
  void commit(const naming::Outcome& outcome, const std::string& by, std::int64_t now);
  void persistName(const std::string& name);
  void hostsMayHaveChanged();
  Result operatorCommand(const std::string& by, bool dryRun,
                         const std::function<naming::Outcome(naming::NameTable&)>& op);
  std::optional<Rename> nextRename(std::int64_t now) const;
  /// Whether `node` reports the aliases its holding has (true when it said none).
  bool aliasesAsWanted(const std::string& node, const naming::Holding* held) const;
  void noteReply(const std::string& node, const Json& reply);
  bool live(const std::string& node, std::int64_t now) const;
  std::string reportedHolder(const std::string& name, const std::string& except,
                             std::int64_t now) const;
  void returning(const Registration& registration, const std::string& reported, std::int64_t now);
  std::string addressOf(const Json& facts) const;
  void courierLoop();
  void courierRound(Lock& lock);
  void sendRename(const Rename& rename, Lock& lock);
  void sendStaleHosts(Lock& lock);
  void pusherLoop();
  std::int64_t nextWake(std::int64_t now) const;
  Json hostsRequestArgs() const;

  const NamingOptions options_;
  Store& store_;
  StepExecutor& executor_;
  Broadcaster* const broadcaster_;
  const Clock clock_;
  KvNameLedger* const ledger_;  // nullptr: this provisioner alone gives names

  mutable std::mutex mutex_;
  std::condition_variable courierWake_;
  std::condition_variable pusherWake_;
  naming::NameTable table_;
  std::map<std::string, Shared> shared_;  // name -> as the ledger has it
  std::uint64_t ledgerRevision_ = 0;      // the newest revision seen
  std::mutex inboxMutex_;  // guards inbox_ and inboxStopping_; taken after mutex_, never before
  std::condition_variable inboxWake_;
  std::vector<KvNameLedger::Entry> inbox_;  // from the watcher, not yet applied
  bool inboxStopping_ = false;
  std::int64_t startedMs_ = 0;
  std::map<std::string, std::string> reported_;  // node -> the name it says it holds
  std::map<std::string, std::vector<std::string>> reportedAliases_;  // and its aliases, sorted
  std::map<std::string, std::int64_t> lastSeen_;                     // node -> last registration
  std::map<std::string, std::int64_t> hostsOf_;  // node -> hosts version it reports
  struct Sent {
    std::int64_t version = 0;
    std::int64_t atMs = 0;
  };
  std::map<std::string, Sent> hostsSent_;        // node -> entries sent directly
  std::map<std::string, std::int64_t> retryAt_;  // node -> no call before this
  std::set<std::string> telling_;                // the flow's set_name is under way
  std::vector<naming::HostsEntry> entries_;      // as of hostsVersion_
  std::int64_t hostsVersion_ = 0;
  std::int64_t pushedVersion_ = 0;
  std::int64_t pushedAtMs_ = 0;               // when the last push ended
  util::SteadyClock::time_point nextPush_{};  // pushes are paced in real time
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace drover::provisioner
