#pragma once
// The names shared by provisioners on a NATS cluster (naming.ledger: nats): a JetStream
// key-value bucket with a key per name, whose value is the holding, or {"free": true}
// once the name is released. Every write is conditional: a name never written is
// created (the server refuses when another provisioner created it first), any other is
// updated only at the revision this provisioner last saw. So two provisioners can never
// both give a name: the later write fails, and the writer reads what the bucket holds
// now and decides again (name_keeper.cpp). Each provisioner watches the bucket, so what
// the others change reaches its own table.
//
// The bucket is made on first use with `replicas` copies: on a JetStream cluster it
// survives the loss of a minority of the servers.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/bus/transport.hpp"
#include "core/naming/name_table.hpp"

struct __natsConnection;
struct __jsCtx;
struct __kvStore;
struct __kvWatcher;
struct __kvEntry;

namespace drover::provisioner {

class LedgerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LedgerOptions {
  bus::Endpoints endpoints;  // the NATS servers and how to authenticate
  std::string bucket = "drover_names";
  int replicas = 1;                              // copies of the bucket (1-5, at most the servers)
  std::string connectionName;                    // as the servers list the connection
  std::chrono::milliseconds openTimeout{30000};  // the bucket reachable at start
  std::chrono::milliseconds callTimeout{5000};   // one read or write
};

class KvNameLedger {
 public:
  struct Entry {
    std::string name;
    std::optional<naming::Holding> holding;  // std::nullopt: free
    std::uint64_t revision = 0;              // 0: never written
  };
  using Listener = std::function<void(const Entry&)>;

  /// Starts connecting; nothing is read before open(). Throws LedgerError naming the
  /// setting for a bad bucket name or replica count, or what bus::connectNats refuses.
  explicit KvNameLedger(LedgerOptions options);
  ~KvNameLedger();  // close(), then the connection
  KvNameLedger(const KvNameLedger&) = delete;
  KvNameLedger& operator=(const KvNameLedger&) = delete;

  /// Waits until the bucket is reachable (making it when there is none), returns every
  /// name in it, then watches: each later change, the others' and ours, goes to
  /// `listener` on the watcher's thread, in the bucket's order. Throws LedgerError
  /// saying why when the bucket is not reachable within openTimeout.
  std::vector<Entry> open(Listener listener);

  /// Writes `entry.holding` (std::nullopt: free) for `entry.name` when the bucket has
  /// that name at `entry.revision` (0: never written), and returns the new revision.
  /// std::nullopt: the bucket had another revision; `*current` is then what it holds.
  /// Throws LedgerError when the bucket cannot be reached or refuses the write.
  std::optional<std::uint64_t> write(const Entry& entry, Entry* current);

  /// Stops the watcher: the listener is not called once this returns.
  void close();

  /// 1-64 letters, digits, '-' or '_' (a JetStream stream's name).
  static bool validBucket(const std::string& bucket);

  /// "NATS KV bucket drover_names (3 replicas) at nats://...".
  std::string describe() const;

  /// The holding as the bucket keeps it: what every provisioner agrees on, without
  /// what each sees for itself (when the node was last seen).
  static std::string encode(const std::optional<naming::Holding>& holding);
  /// The entry a bucket value stands for. A value that is no holding of that name
  /// reads as free, and `problem` says what was wrong with it.
  static Entry decode(const std::string& key, const std::string& value, std::uint64_t revision,
                      std::string* problem);

 private:
  Entry fromBucket(__kvEntry* entry) const;
  void bind();  // jsCtx and kvStore, once the servers answer
  void watchLoop();

  const LedgerOptions options_;
  __natsConnection* connection_ = nullptr;
  __jsCtx* js_ = nullptr;
  __kvStore* kv_ = nullptr;
  __kvWatcher* watcher_ = nullptr;
  Listener listener_;
  std::atomic<bool> stopping_{false};
  std::thread watching_;
};

}  // namespace drover::provisioner
