#pragma once
// The one interface every Drover program uses to reach the bus. Two transports stand
// behind it: the ZeroMQ broker (the embedded default; ZmqConnection) and a NATS server
// or cluster (NatsConnection). Topics, envelopes, security, filters and discovery sit
// above it and are the same on both: nothing above this file knows which one runs.
//
// Thread ownership: a Transport belongs to the thread that created it. Other threads
// hand work to that thread (see node::Daemon's outbox).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "core/bus/curve.hpp"

namespace drover::bus {

enum class TransportKind { Zmq, Nats };

/// "zmq" or "nats".
std::string_view nameOf(TransportKind kind);
/// The kind named `name` ("zmq", "nats"); std::nullopt for anything else.
std::optional<TransportKind> transportNamed(std::string_view name);

/// How to reach a NATS server or cluster and prove who we are to it. Message security
/// (signed envelopes) is the same as on ZeroMQ; this is the connection's own.
struct NatsSettings {
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};  // nats:// or tls:// URLs
  std::filesystem::path caFile;           // TLS: the CA the servers' certificates chain to
  std::filesystem::path certFile;         // TLS client certificate (with keyFile)
  std::filesystem::path keyFile;          // its private key
  std::filesystem::path credentialsFile;  // a NATS .creds file (user JWT and NKEY seed)
  std::string nkey;                       // NKEY public key (U...), with nkeySeedFile
  std::filesystem::path nkeySeedFile;     // the file holding its seed (SU...)
  std::string user;                       // user name, with passwordFile
  std::filesystem::path passwordFile;     // the user's password, one line
  std::filesystem::path tokenFile;        // an authorization token, one line
};

/// Where the bus is: the broker's two ZeroMQ endpoints, or the NATS servers.
struct Endpoints {
  std::string publish = "tcp://127.0.0.1:7301";    // broker ingress
  std::string subscribe = "tcp://127.0.0.1:7302";  // broker egress
  TransportKind transport = TransportKind::Zmq;
  NatsSettings nats;

  /// For logs and errors: "broker tcp://127.0.0.1:7302" or "NATS nats://a:4222, ...".
  std::string describe() const;
};

/// An event loop that reads and writes NATS connections in place of nats.c's own two
/// threads per connection: for many connections in one process (the fleet simulator).
class NatsEventLoop {
 public:
  virtual ~NatsEventLoop() = default;
  /// Makes itself the event loop of a connection about to be made with `options` (a
  /// natsOptions*). Throws std::runtime_error when nats.c refuses.
  virtual void adopt(void* options) = 0;
};

struct ConnectionOptions {
  int highWaterMark = 100000;        // messages queued per direction before the bus drops
  int reconnectMs = 100;             // first reconnect delay after the server goes away
  int reconnectMaxMs = 2000;         // backoff ceiling
  int lingerMs = 1000;               // how long closing waits to flush outgoing messages
  bool monitorReconnects = false;    // report reconnections through takeReconnected()
  std::optional<CurveClient> curve;  // ZeroMQ: encrypt and authenticate to the broker
  std::string name;                  // NATS: the connection's name in the server's view
  std::shared_ptr<NatsEventLoop> natsEventLoop;  // NATS: none: nats.c's own threads
  // NATS: each publish is written by the publishing thread at once, and nats.c makes no
  // flusher thread for the connection. For connections that answer one request at a
  // time by the thousand in one process (the fleet simulator); a caller publishing
  // bursts leaves it off, so its messages go out in batches.
  bool publishAtOnce = false;
  // How often the connection proves its server alive when no TCP reset comes (a killed
  // host, a cut cable): it is given up, and reconnected, after three silent intervals.
  // ZeroMQ: TCP keepalive probes and TCP_USER_TIMEOUT, in whole seconds; NATS: PINGs.
  int heartbeatMs = 2000;
};

struct Message {
  std::string topic;  // empty for a malformed frame, which callers skip
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual void subscribe(std::string_view topic) = 0;
  virtual void unsubscribe(std::string_view topic) = 0;

  /// Publishes one message. Returns false if the transport could not queue it (its
  /// outgoing buffer is full, or the message is larger than the server accepts).
  virtual bool publish(std::string_view topic, std::string_view body) = 0;

  /// The next received message without waiting; std::nullopt when none is queued.
  virtual std::optional<Message> tryReceive() = 0;
  /// Receives one message, waiting up to `timeout`; std::nullopt when none came.
  std::optional<Message> receive(std::chrono::milliseconds timeout);

  /// What a poll loop waits on: it turns readable when a message arrives. Messages
  /// already taken in may not wake it: read with tryReceive() until it returns nothing
  /// before each poll. Valid while the transport lives.
  virtual zmq::pollitem_t readable() = 0;

  /// Waits until our subscriptions are live and our publishes reach the bus. Returns
  /// false if the bus did not answer within `timeout` (the transport keeps trying).
  virtual bool waitReady(std::chrono::milliseconds timeout) = 0;

  /// True once per reconnection after the first connect (with monitorReconnects); the
  /// caller re-announces itself.
  virtual bool takeReconnected() = 0;
  /// What a poll loop also waits on, when readable() does not wake for reconnections:
  /// it turns readable on one, so a loop that sleeps until its next timer learns of it
  /// at once. Read with takeReconnected(). std::nullopt when nothing more is needed.
  virtual std::optional<zmq::pollitem_t> reconnects() { return std::nullopt; }

  /// Messages addressed to us that the bus dropped since the last call because we did
  /// not read them fast enough (a slow consumer): replies a call must count as lost.
  virtual std::uint64_t takeDropped() = 0;

  /// The endpoints this transport talks to, for logs.
  virtual std::string describe() const = 0;

  /// Why the last attempt to reach the bus failed ("authorization violation", a TLS
  /// error), when the transport is told; empty otherwise.
  virtual std::string problem() const { return {}; }
};

/// Opens the transport `endpoints.transport` names. ZeroMQ sockets are made in
/// `context`; NATS runs its own threads. Connecting goes on in the background: call
/// waitReady(). Throws std::runtime_error naming the setting for a malformed endpoint
/// or an unreadable TLS or credentials file.
std::unique_ptr<Transport> connect(zmq::context_t& context, const Endpoints& endpoints,
                                   const ConnectionOptions& options = {});

}  // namespace drover::bus
