#pragma once
// The NATS transport: one connection to a NATS server or cluster (nats.c, Debian's
// libnats). Topics are NATS subjects as they are; there is no broker of our own.
//
// nats.c delivers messages on its own threads (one shared pool per process); they are
// queued here, bounded, and an eventfd tells the owner's poll loop. Past the bound a
// message is dropped and counted, as the server and nats.c count theirs: takeDropped()
// reports all of them. The library reconnects on its own, to any server of the
// cluster, and subscribes again there.
//
// Thread ownership: like every Transport, the thread that created it; the delivery
// callbacks touch only the queue and the counters.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nats/nats.h>

#include "core/bus/transport.hpp"

namespace drover::bus {

/// A NATS connection of its own, for what uses JetStream beside the bus (the
/// provisioners' shared names): the servers, TLS, authentication, pings and endless
/// reconnects of `endpoints.nats`, as NatsConnection's. Returns at once, connecting in
/// the background; the caller owns it (natsConnection_Destroy). Throws
/// std::runtime_error naming the setting, as NatsConnection does.
natsConnection* connectNats(const Endpoints& endpoints, const std::string& name);

class NatsConnection final : public Transport {
 public:
  /// Starts connecting to `endpoints.nats.servers` and returns at once: a server that
  /// is not up yet is retried for ever (waitReady() tells when it is). Throws
  /// std::runtime_error naming the setting for a malformed URL or an unreadable TLS,
  /// credentials, password or token file.
  NatsConnection(const Endpoints& endpoints, const ConnectionOptions& options = {});
  ~NatsConnection() override;
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  void subscribe(std::string_view topic) override;
  void unsubscribe(std::string_view topic) override;
  /// Returns false when nats.c refuses the message: larger than the server's
  /// max_payload, or its reconnect buffer full while no server is reachable.
  bool publish(std::string_view topic, std::string_view body) override;
  std::optional<Message> tryReceive() override;
  zmq::pollitem_t readable() override { return {nullptr, wakeFd_, ZMQ_POLLIN, 0}; }
  /// True once a round trip to the server (PING/PONG) succeeds: the server has then
  /// processed every subscription sent before it.
  bool waitReady(std::chrono::milliseconds timeout) override;
  bool takeReconnected() override;
  std::uint64_t takeDropped() override;
  std::string describe() const override { return description_; }
  std::string problem() const override;

 private:
  struct Subscription {
    natsSubscription* handle = nullptr;  // none while the connection is closed
    int count = 0;                       // subscribe() calls not yet undone: ZeroMQ's semantics
  };

  static void onMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* self);
  static void onReconnected(natsConnection* nc, void* self);
  static void onError(natsConnection* nc, natsSubscription* sub, natsStatus status, void* self);
  static void onComplete(void* self);  // a subscription's handler will not run again
  void push(Message message);
  void wakeOwner();  // makes readable() readable; caller holds mutex_
  std::uint64_t libraryDropped();
  void open();   // a new connection_, connecting in the background
  void close();  // closes and destroys connection_ and its subscriptions' handles
  void reopenIfClosed();
  void attach(const std::string& subject, Subscription& sub);

  natsConnection* connection_ = nullptr;
  std::chrono::steady_clock::time_point openedAt_;  // when open() last ran
  std::map<std::string, Subscription, std::less<>> subscriptions_;
  Endpoints endpoints_;  // kept to diagnose a failing connect: problem()
  ConnectionOptions options_;
  std::string description_;
  int lingerMs_;
  int wakeFd_ = -1;
  const std::size_t queueLimit_;

  std::mutex mutex_;  // guards queue_, signalled_, created_ and completed_
  std::deque<Message> queue_;
  bool signalled_ = false;
  std::size_t created_ = 0;    // subscriptions made
  std::size_t completed_ = 0;  // of those, closed with their handler returned
  std::condition_variable completedChanged_;

  std::atomic<bool> reconnected_{false};
  std::atomic<std::uint64_t> queueDropped_{0};  // past queueLimit_, dropped here
  std::uint64_t libraryDroppedSeen_ = 0;        // nats.c's drops already reported
  std::uint64_t queueDroppedSeen_ = 0;
};

}  // namespace drover::bus
