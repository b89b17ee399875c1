#include "core/bus/nats_connection.hpp"

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log/log.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace drover::bus {
namespace {

const log::Logger logger{"drover.bus.nats"};

[[noreturn]] void fail(const std::string& what, natsStatus status) {
  const char* detail = nats_GetLastError(nullptr);
  std::string text = what + ": " + natsStatus_GetText(status);
  if (detail != nullptr && *detail != '\0' && text.find(detail) == std::string::npos) {
    text += std::string(" (") + detail + ")";
  }
  throw std::runtime_error(text);
}

void check(natsStatus status, const std::string& what) {
  if (status != NATS_OK) fail(what, status);
}

// A secret kept in its own file (never in the main config): its first line.
std::string secretFrom(const std::filesystem::path& file, const std::string& key) {
  std::string text;
  try {
    text = util::readFile(file);
  } catch (const std::exception& e) {
    throw std::runtime_error(key + ": " + e.what());
  }
  if (auto end = text.find_first_of("\r\n"); end != std::string::npos) text.resize(end);
  if (text.empty()) throw std::runtime_error(key + ": " + file.string() + " is empty");
  return text;
}

class Options {
 public:
  Options() { check(natsOptions_Create(&options_), "nats: options"); }
  ~Options() { natsOptions_Destroy(options_); }
  Options(const Options&) = delete;
  Options& operator=(const Options&) = delete;
  natsOptions* get() { return options_; }

 private:
  natsOptions* options_ = nullptr;
};

void applySecurity(natsOptions* opts, const NatsSettings& nats) {
  bool tls = !nats.caFile.empty() || !nats.certFile.empty();
  for (const auto& url : nats.servers) tls = tls || url.rfind("tls://", 0) == 0;
  if (tls) check(natsOptions_SetSecure(opts, true), "nats: TLS");
  if (!nats.caFile.empty()) {
    check(natsOptions_LoadCATrustedCertificates(opts, nats.caFile.c_str()),
          "nats.ca_file " + nats.caFile.string());
  }
  if (!nats.certFile.empty()) {
    check(natsOptions_LoadCertificatesChain(opts, nats.certFile.c_str(), nats.keyFile.c_str()),
          "nats.cert_file " + nats.certFile.string() + " with nats.key_file " +
              nats.keyFile.string());
  }
  if (!nats.credentialsFile.empty()) {
    check(natsOptions_SetUserCredentialsFromFiles(opts, nats.credentialsFile.c_str(), nullptr),
          "nats.credentials_file " + nats.credentialsFile.string());
  }
  if (!nats.nkey.empty()) {
    check(natsOptions_SetNKeyFromSeed(opts, nats.nkey.c_str(), nats.nkeySeedFile.c_str()),
          "nats.nkey_seed_file " + nats.nkeySeedFile.string());
  }
  if (!nats.user.empty()) {
    std::string password = secretFrom(nats.passwordFile, "nats.password_file");
    check(natsOptions_SetUserInfo(opts, nats.user.c_str(), password.c_str()), "nats.user");
  }
  if (!nats.tokenFile.empty()) {
    std::string token = secretFrom(nats.tokenFile, "nats.token_file");
    check(natsOptions_SetToken(opts, token.c_str()), "nats.token_file");
  }
}

void applyOptions(natsOptions* opts, const Endpoints& endpoints, const ConnectionOptions& options) {
  std::vector<const char*> urls;
  for (const auto& url : endpoints.nats.servers) urls.push_back(url.c_str());
  check(natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size())), "nats.servers");
  if (!options.name.empty()) check(natsOptions_SetName(opts, options.name.c_str()), "nats: name");
  // One delivery thread per process, not one per subscription (a node has a dozen).
  check(natsOptions_UseGlobalMessageDelivery(opts, true), "nats: delivery");
  // Never give up on the bus, as with ZeroMQ: retry the first connect and every
  // reconnect for ever, to whichever server of the cluster answers.
  check(natsOptions_SetMaxReconnect(opts, -1), "nats: reconnects");
  check(natsOptions_SetReconnectWait(opts, options.reconnectMs), "nats: reconnect wait");
  check(natsOptions_SetPingInterval(opts, options.heartbeatMs), "nats: ping interval");
  check(natsOptions_SetMaxPingsOut(opts, 3), "nats: pings out");
  check(natsOptions_SetMaxPendingMsgs(opts, options.highWaterMark), "nats: pending");
  applySecurity(opts, endpoints.nats);
}

// nats.c's delivery pool is process wide: sized once, for every connection.
void sizeDeliveryPool() {
  static std::once_flag once;
  std::call_once(once, [] {
    unsigned cores = std::thread::hardware_concurrency();
    nats_SetMessageDeliveryPoolSize(static_cast<int>(cores > 1 ? std::min(cores, 4u) : 1u));
  });
}

void connectedLater(natsConnection* /*nc*/, void* /*self*/) {}

// A connection made with every setting of `endpoints` and `options`, connecting in the
// background (the first connect retried as every reconnect is); `more` adds what the
// caller needs beside them (its callbacks, with `self` as their closure).
natsConnection* startConnecting(const Endpoints& endpoints, const ConnectionOptions& options,
                                void* self, const std::function<void(natsOptions*)>& more) {
  if (endpoints.nats.servers.empty()) throw std::runtime_error("nats.servers: no server given");
  check(nats_Open(-1), "nats: library");
  sizeDeliveryPool();
  Options opts;
  applyOptions(opts.get(), endpoints, options);
  check(natsOptions_SetRetryOnFailedConnect(opts.get(), true, connectedLater, self), "nats: retry");
  more(opts.get());
  if (options.natsEventLoop) options.natsEventLoop->adopt(opts.get());
  if (options.publishAtOnce) check(natsOptions_SetSendAsap(opts.get(), true), "nats: send");
  natsConnection* connection = nullptr;
  natsStatus status = natsConnection_Connect(&connection, opts.get());
  if (status != NATS_OK && status != NATS_NOT_YET_CONNECTED) {
    fail("nats.servers " + endpoints.describe(), status);
  }
  return connection;
}

}  // namespace

NatsConnection::NatsConnection(const Endpoints& endpoints, const ConnectionOptions& options)
    : endpoints_(endpoints),
      options_(options),
      description_(endpoints.describe()),
      lingerMs_(options.lingerMs),
      queueLimit_(static_cast<std::size_t>(std::max(options.highWaterMark, 1))) {
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  try {
    open();
  } catch (...) {
    ::close(wakeFd_);
    throw;
  }
}

void NatsConnection::open() {
  connection_ = startConnecting(endpoints_, options_, this, [this](natsOptions* opts) {
    check(natsOptions_SetErrorHandler(opts, onError, this), "nats: errors");
    check(natsOptions_SetReconnectedCB(opts, onReconnected, this), "nats: reconnects");
  });
  openedAt_ = util::SteadyClock::now();
}

natsConnection* connectNats(const Endpoints& endpoints, const std::string& name) {
  ConnectionOptions options;
  options.name = name;
  return startConnecting(endpoints, options, nullptr, [](natsOptions*) {});
}

NatsConnection::~NatsConnection() {
  // Flush what we published (the last replies of a stopping node), then close.
  if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED) {
    natsConnection_FlushTimeout(connection_, lingerMs_);
  }
  close();
  ::close(wakeFd_);
}

void NatsConnection::close() {
  natsConnection_Close(connection_);  // closes every subscription
  // nats.c may be inside onMessage for a subscription just closed: wait until each one
  // said it is done before the queue and the mutex go.
  {
    std::unique_lock lock(mutex_);
    completedChanged_.wait_for(lock, std::chrono::seconds(5),
                               [this] { return completed_ == created_; });
  }
  for (auto& [topic, sub] : subscriptions_) {
    if (sub.handle != nullptr) natsSubscription_Destroy(sub.handle);
    sub.handle = nullptr;
  }
  natsConnection_Destroy(connection_);
  connection_ = nullptr;
}

// nats.c closes a connection for good once a server refused its credentials twice in a
// row. The bus never gives up on its servers (a fixed credentials file, a server whose
// accounts were reloaded), so a closed connection is replaced by a new one with the same
// subscriptions, at most once per reconnectMaxMs.
void NatsConnection::reopenIfClosed() {
  if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CLOSED) return;
  if (util::SteadyClock::now() - openedAt_ < std::chrono::milliseconds(options_.reconnectMaxMs)) {
    return;
  }
  // Drops nats.c counted on the old subscriptions are reported, not lost with them.
  std::uint64_t library = libraryDropped();
  if (library > libraryDroppedSeen_) queueDropped_.fetch_add(library - libraryDroppedSeen_);
  libraryDroppedSeen_ = 0;
  close();
  try {
    open();
  } catch (const std::exception& e) {
    // A credentials file gone since the start: said, and tried again later.
    logger()->warn("NATS connection to {} cannot be made again: {}", description_, e.what());
    openedAt_ = util::SteadyClock::now();
    return;
  }
  for (auto& [subject, sub] : subscriptions_) attach(subject, sub);
  reconnected_ = true;  // a call in flight may have lost replies in between
  logger()->debug("NATS connection to {} was closed by nats.c; connecting again", description_);
}

void NatsConnection::onComplete(void* self) {
  auto* connection = static_cast<NatsConnection*>(self);
  std::lock_guard lock(connection->mutex_);
  ++connection->completed_;
  connection->completedChanged_.notify_all();
}

void NatsConnection::subscribe(std::string_view topic) {
  auto it = subscriptions_.find(topic);
  if (it != subscriptions_.end()) {
    ++it->second.count;
    return;
  }
  reopenIfClosed();
  std::string subject(topic);
  Subscription sub;
  attach(subject, sub);
  sub.count = 1;
  subscriptions_.emplace(std::move(subject), sub);
}

// The subscription's handle on the current connection. On a connection nats.c closed it
// stays without one until reopenIfClosed() makes a new connection.
void NatsConnection::attach(const std::string& subject, Subscription& sub) {
  sub.handle = nullptr;
  if (connection_ == nullptr) return;
  natsStatus status =
      natsConnection_Subscribe(&sub.handle, connection_, subject.c_str(), onMessage, this);
  if (status == NATS_CONNECTION_CLOSED) return;
  check(status, "nats: subscribe to " + subject);
  natsSubscription_SetOnCompleteCB(sub.handle, onComplete, this);
  {
    std::lock_guard lock(mutex_);
    ++created_;
  }
  // nats.c holds at most as many as our queue before handing them over; what passes
  // either bound is dropped and counted (takeDropped).
  natsSubscription_SetPendingLimits(sub.handle, static_cast<int>(queueLimit_), 256 << 20);
}

void NatsConnection::unsubscribe(std::string_view topic) {
  auto it = subscriptions_.find(topic);
  if (it == subscriptions_.end() || --it->second.count > 0) return;
  int64_t dropped = 0;
  if (it->second.handle != nullptr) {
    if (natsSubscription_GetDropped(it->second.handle, &dropped) == NATS_OK) {
      libraryDroppedSeen_ -= static_cast<std::uint64_t>(dropped);  // it leaves the sum
    }
    natsSubscription_Unsubscribe(it->second.handle);
    natsSubscription_Destroy(it->second.handle);
  }
  subscriptions_.erase(it);
}

bool NatsConnection::publish(std::string_view topic, std::string_view body) {
  std::string subject(topic);
  natsStatus status = natsConnection_Publish(connection_, subject.c_str(), body.data(),
                                             static_cast<int>(body.size()));
  if (status == NATS_OK) return true;
  logger()->debug("publish on {} ({} bytes) refused: {}", subject, body.size(),
                  natsStatus_GetText(status));
  return false;
}

std::optional<Message> NatsConnection::tryReceive() {
  std::lock_guard lock(mutex_);
  std::optional<Message> message;
  if (!queue_.empty()) {
    message = std::move(queue_.front());
    queue_.pop_front();
  }
  // Woken for messages or a reconnection: quiet again once nothing is queued.
  if (queue_.empty() && signalled_) {
    std::uint64_t ignored = 0;
    (void)::read(wakeFd_, &ignored, sizeof(ignored));
    signalled_ = false;
  }
  return message;
}

void NatsConnection::push(Message message) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= queueLimit_) {
    queueDropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(message));
  wakeOwner();
}

// Caller holds mutex_.
void NatsConnection::wakeOwner() {
  if (signalled_) return;
  std::uint64_t one = 1;
  (void)::write(wakeFd_, &one, sizeof(one));
  signalled_ = true;
}

void NatsConnection::onMessage(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                               void* self) {
  Message message{
      natsMsg_GetSubject(msg),
      std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
  natsMsg_Destroy(msg);
  static_cast<NatsConnection*>(self)->push(std::move(message));
}

void NatsConnection::onReconnected(natsConnection* nc, void* self) {
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof(url));
  logger()->info("reconnected to NATS at {}", url);
  auto* connection = static_cast<NatsConnection*>(self);
  connection->reconnected_ = true;
  std::lock_guard lock(connection->mutex_);
  connection->wakeOwner();  // the owner re-announces now, not at its next message
}

void NatsConnection::onError(natsConnection* /*nc*/, natsSubscription* sub, natsStatus status,
                             void* /*self*/) {
  // Slow consumers are counted by nats.c per subscription: takeDropped() reads that.
  if (status == NATS_SLOW_CONSUMER) return;
  logger()->warn("NATS error{}: {}", sub != nullptr ? " on a subscription" : "",
                 natsStatus_GetText(status));
}

bool NatsConnection::waitReady(std::chrono::milliseconds timeout) {
  auto deadline = util::SteadyClock::now() + timeout;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - util::SteadyClock::now());
    if (left.count() <= 0) return false;
    reopenIfClosed();
    if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED &&
        natsConnection_FlushTimeout(connection_, std::min<std::int64_t>(left.count(), 1000)) ==
            NATS_OK) {
      return true;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(20)));
  }
}

// nats.c's retries in the background only say "no server available"; one attempt
// made here, without retries, says why (a refused token, a certificate, a closed port).
std::string NatsConnection::problem() const {
  if (natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED) return {};
  try {
    Options opts;
    applyOptions(opts.get(), endpoints_, options_);
    check(natsOptions_SetTimeout(opts.get(), 2000), "nats: timeout");
    natsConnection* probe = nullptr;
    natsStatus status = natsConnection_Connect(&probe, opts.get());
    if (status == NATS_OK) {
      natsConnection_Destroy(probe);
      return {};
    }
    std::string problem = natsStatus_GetText(status);
    const char* text = nats_GetLastError(nullptr);
    if (text != nullptr && *text != '\0' && problem.find(text) == std::string::npos) {
      problem += std::string(": ") + text;
    }
    return problem;
  } catch (const std::exception& e) {
    return e.what();
  }
}

// The loops of the daemons ask this every turn: a connection nats.c closed while they
// ran is made again here too, and counts as a reconnection.
bool NatsConnection::takeReconnected() {
  reopenIfClosed();
  return reconnected_.exchange(false);
}

std::uint64_t NatsConnection::libraryDropped() {
  std::uint64_t total = 0;
  for (auto& [topic, sub] : subscriptions_) {
    int64_t dropped = 0;
    if (sub.handle != nullptr && natsSubscription_GetDropped(sub.handle, &dropped) == NATS_OK) {
      total += static_cast<std::uint64_t>(dropped);
    }
  }
  return total;
}

std::uint64_t NatsConnection::takeDropped() {
  std::uint64_t library = libraryDropped();
  std::uint64_t queue = queueDropped_.load(std::memory_order_relaxed);
  std::uint64_t fresh = (library - libraryDroppedSeen_) + (queue - queueDroppedSeen_);
  libraryDroppedSeen_ = library;
  queueDroppedSeen_ = queue;
  return fresh;
}

}  // namespace drover::bus
