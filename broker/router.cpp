#include "broker/router.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/ranges.h>

#include "core/bus/topics.hpp"
#include "core/log/log.hpp"
#include "core/service/notify.hpp"
#include "core/util/clock.hpp"

namespace drover::broker {
namespace {

// How stale a metrics scrape may be: the copy is not made for every message forwarded.
constexpr auto kPublishEvery = std::chrono::milliseconds(100);

rlim_t openFilesLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

std::string bindOne(zmq::socket_t& socket, const std::string& endpoint) {
  socket.bind(endpoint);
  return socket.get(zmq::sockopt::last_endpoint);
}

// Forwarding stops after this many messages per poll wake-up so subscription
// events and control requests are never starved by a reply storm.
constexpr int kBurst = 1024;

constexpr const char* kControlDomain = "control";

// The monitors are read at most this often. Read at every event, a flood of refused
// handshakes would wake this thread (and make libzmq's I/O thread signal it) once per
// event; between two reads the events wait in the monitor's queue, far below the 1,000
// at which libzmq's I/O thread would stall (that needs 200,000 events a second).
constexpr std::chrono::milliseconds kMonitorPause{5};

// How long a socket stops listening when the broker is out of open files: its peers
// retry (their reconnect backoff), and files free up as connections close.
constexpr std::chrono::milliseconds kAcceptPause{1000};

Json refusalsJson(const RouterStats& stats) {
  Json byReason = Json::object();
  for (int i = 0; i < bus::kHandshakeFailureKinds; ++i) {
    byReason[std::string(bus::labelOf(static_cast<bus::HandshakeFailure>(i)))] = stats.refusedBy[i];
  }
  return byReason;
}

// What a refusal means to an operator reading the log, beyond libzmq's detail.
std::string explain(bus::HandshakeFailure failure, bool curve) {
  switch (failure) {
    case bus::HandshakeFailure::WrongMechanism:
      return curve ? "the peer speaks no CURVE"
                   : "the peer wants CURVE; this broker serves plain TCP";
    case bus::HandshakeFailure::Cryptographic:
      return "the peer's curve.server_key is not this broker's public key";
    case bus::HandshakeFailure::NotAuthorized: return "its key is not allowed";
    case bus::HandshakeFailure::Malformed: return "malformed handshake";
    case bus::HandshakeFailure::Aborted:
      return curve ? "the peer closed or stalled during the handshake (a peer without CURVE or "
                     "with a wrong curve.server_key often gives up first)"
                   : "the peer closed or stalled during the handshake";
    case bus::HandshakeFailure::AuthHandler: return "the broker's ZAP handler answered badly";
  }
  return "unknown";
}

void serveCurve(zmq::socket_t& socket, const bus::CurveKeys& keys, const char* domain) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, keys.secretKey);
  socket.set(zmq::sockopt::zap_domain, domain);  // tells the ZAP handler which socket asks
}

}  // namespace

Json RouterStats::toJson() const {
  return Json{{"messages_in", messagesIn},
              {"bytes_in", bytesIn},
              {"malformed", malformed},
              {"subscribes", subscribes},
              {"unsubscribes", unsubscribes},
              {"topics", topics},
              {"peers_accepted", peersAccepted},
              {"peers_refused", peersRefused},
              {"peers_refused_by_reason", refusalsJson(*this)},
              {"refusal_log_lines_suppressed", refusalLinesSuppressed},
              {"accepts_failed", acceptsFailed},
              {"accept_pauses", acceptPauses},
              {"started_ms", startedMs},
              {"uptime_ms", util::nowMs() - startedMs}};
}

Router::Router(zmq::context_t& context, const RouterOptions& options)
    : ingress_(context, zmq::socket_type::xsub),
      egress_(context, zmq::socket_type::xpub),
      curve_(options.curve.has_value()),
      allowedClients_(options.allowedClients),
      adminClients_(options.adminClients) {
  if (options.curve) {
    // The handler must be bound before any CURVE socket accepts a peer.
    zap_.emplace(context, zmq::socket_type::rep);
    zap_->bind("inproc://zeromq.zap.01");
    ownKey_ = options.curve->publicKey;
    serveCurve(ingress_, *options.curve, "ingress");
    serveCurve(egress_, *options.curve, "egress");
  }
  ingress_.set(zmq::sockopt::rcvhwm, options.highWaterMark);
  egress_.set(zmq::sockopt::sndhwm, options.highWaterMark);
  egress_.set(zmq::sockopt::xpub_verboser, 1);
  ingress_.set(zmq::sockopt::linger, 0);
  egress_.set(zmq::sockopt::linger, 0);
  ingressBound_ = watchAndBind(context, ingress_, "ingress", options.ingress);
  egressBound_ = watchAndBind(context, egress_, "egress", options.egress);
  if (!options.control.empty()) {
    control_.emplace(context, zmq::socket_type::rep);
    control_->set(zmq::sockopt::linger, 0);
    if (options.curve) serveCurve(*control_, *options.curve, kControlDomain);
    controlBound_ = watchAndBind(context, *control_, kControlDomain, {options.control}).front();
  }
  const unsigned char subscribeAll = 1;  // XSUB: a 0x01 byte and an empty prefix
  ingress_.send(zmq::buffer(&subscribeAll, 1), zmq::send_flags::none);
  stats_.startedMs = util::nowMs();
  publish(true);
}

Router::~Router() = default;

// The monitor is attached before the first bind, so no handshake goes unseen.
std::vector<std::string> Router::watchAndBind(zmq::context_t& context, zmq::socket_t& socket,
                                              std::string role,
                                              const std::vector<std::string>& endpoints) {
  auto monitor = std::make_unique<bus::SocketMonitor>(context, socket, HandshakeTracker::kEvents);
  std::vector<std::string> bound;
  for (const auto& endpoint : endpoints) bound.push_back(bindOne(socket, endpoint));
  watches_.push_back(Watch{std::move(role),
                           fmt::format("{}", fmt::join(bound, ",")),
                           std::move(monitor),
                           {},
                           &socket,
                           bound,
                           std::nullopt});
  return bound;
}

void Router::run(const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items{{ingress_.handle(), 0, ZMQ_POLLIN, 0},
                                     {egress_.handle(), 0, ZMQ_POLLIN, 0}};
  std::size_t controlAt = items.size();
  if (control_) items.push_back({control_->handle(), 0, ZMQ_POLLIN, 0});
  std::size_t zapAt = items.size();
  if (zap_) items.push_back({zap_->handle(), 0, ZMQ_POLLIN, 0});
  std::size_t monitorsAt = items.size();
  for (auto& w : watches_) items.push_back({w.monitor->socket().handle(), 0, ZMQ_POLLIN, 0});
  auto monitorsAfter = util::SteadyClock::now();
  service::Watchdog watchdog;  // systemd restarts a broker whose loop stops turning
  while (!stop.load()) {
    watchdog.kick();
    const bool monitorsDue = util::SteadyClock::now() >= monitorsAfter;
    for (std::size_t i = monitorsAt; i < items.size(); ++i)
      items[i].events = monitorsDue ? ZMQ_POLLIN : 0;
    auto timeout = monitorsDue ? std::chrono::milliseconds(200) : kMonitorPause;
    if (!pollOnce(items, std::min(timeout, watchdog.pollBudget()))) continue;
    if (items[0].revents & ZMQ_POLLIN) forwardIngress();
    if (items[1].revents & ZMQ_POLLIN) readSubscriptions();
    if (control_ && (items[controlAt].revents & ZMQ_POLLIN)) answerControl();
    if (zap_ && (items[zapAt].revents & ZMQ_POLLIN)) answerZap();
    bool monitorsWoke = false;
    for (std::size_t i = monitorsAt; i < items.size(); ++i) monitorsWoke |= (items[i].revents != 0);
    if (monitorsWoke) {
      for (auto& w : watches_) readMonitor(w);
      monitorsAfter = util::SteadyClock::now() + kMonitorPause;
    }
    flushSuppressed();
    resumeAccepting();
    publish();
  }
  reportSuppressed(refusalLog_.takeAllSuppressed());
}

// False when a signal (SIGTERM/SIGINT) woke the poll: the caller looks at `stop`.
bool Router::pollOnce(std::vector<zmq::pollitem_t>& items, std::chrono::milliseconds timeout) {
  try {
    zmq::poll(items.data(), items.size(), timeout);
    return true;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return false;
    throw;
  }
}

void Router::forwardIngress() {
  for (int i = 0; i < kBurst; ++i) {
    zmq::message_t topic;
    if (!ingress_.recv(topic, zmq::recv_flags::dontwait)) return;
    if (!topic.more()) {
      ++stats_.malformed;
      continue;
    }
    zmq::message_t body;
    (void)ingress_.recv(body, zmq::recv_flags::none);
    if (body.more()) {  // more than two parts: drain and drop the whole message
      ++stats_.malformed;
      while (body.more()) (void)ingress_.recv(body, zmq::recv_flags::none);
      continue;
    }
    ++stats_.messagesIn;
    stats_.bytesIn += topic.size() + body.size();
    egress_.send(topic, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    egress_.send(body, zmq::send_flags::dontwait);
  }
}

void Router::readSubscriptions() {
  zmq::message_t event;
  while (egress_.recv(event, zmq::recv_flags::dontwait)) {
    if (event.size() == 0) continue;
    const auto* bytes = static_cast<const char*>(event.data());
    std::string topic(bytes + 1, event.size() - 1);
    if (bytes[0] == 1) {
      ++stats_.subscribes;
      ++subscriptions_[topic];
    } else if (bytes[0] == 0) {
      ++stats_.unsubscribes;
      auto it = subscriptions_.find(topic);
      if (it != subscriptions_.end() && --it->second == 0) subscriptions_.erase(it);
    }
  }
  stats_.topics = subscriptions_.size();
}

void Router::answerControl() {
  zmq::message_t request;
  if (!control_->recv(request, zmq::recv_flags::dontwait)) return;
  std::string command = request.to_string();
  while (request.more()) (void)control_->recv(request, zmq::recv_flags::none);
  Json reply = command == "stats" ? stats_.toJson()
                                  : Json{{"error", "unknown command '" + command.substr(0, 64) +
                                                       "': the control socket answers 'stats'"}};
  std::string text = reply.dump();
  control_->send(zmq::buffer(text), zmq::send_flags::none);
}

// Why the ZAP handler refuses `key` (Z85; empty when the peer does not speak CURVE)
// on the socket whose ZAP domain is `domain`; std::nullopt to allow it.
std::optional<std::string> Router::zapRefusal(const std::string& domain,
                                              const std::string& key) const {
  if (key.empty()) return "not a CURVE handshake";
  if (domain == kControlDomain) {
    if (key == ownKey_ || adminClients_.count(key) > 0) return std::nullopt;
    return "key " + key + " is not in curve.admin_clients";
  }
  if (allowedClients_.empty() || allowedClients_.count(key) > 0) return std::nullopt;
  return "key " + key + " is not in curve.allowed_clients";
}

// ZAP (ZeroMQ RFC 27): frames version, request id, domain, address, identity,
// mechanism, then for CURVE the client's 32-byte public key. The refusal is counted
// when libzmq reports it (HANDSHAKE_FAILED_AUTH); it is logged here, where the peer's
// address and key are known.
void Router::answerZap() {
  std::vector<zmq::message_t> frames;
  for (bool more = true; more;) {
    zmq::message_t frame;
    if (!zap_->recv(frame, zmq::recv_flags::dontwait)) return;
    more = frame.more();
    frames.push_back(std::move(frame));
  }
  std::string clientKey;
  if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
    char z85[41] = {};
    zmq_z85_encode(z85, static_cast<const std::uint8_t*>(frames[6].data()), 32);
    clientKey = z85;
  }
  std::string domain = frames.size() > 2 ? frames[2].to_string() : "";
  auto refusal = zapRefusal(domain, clientKey);
  if (refusal && mayLogRefusal()) {
    log::get("drover.broker")
        ->warn("refused peer address={} on {} {} (reason=not_authorized): {}",
               frames.size() > 3 ? frames[3].to_string() : "?", domain, endpointOf(domain),
               *refusal);
  }
  std::string requestId = frames.size() > 1 ? frames[1].to_string() : "";
  zap_->send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(requestId), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(std::string(refusal ? "400" : "200")), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(refusal ? *refusal : std::string("OK")), zmq::send_flags::sndmore);
  zap_->send(zmq::buffer(clientKey), zmq::send_flags::sndmore);
  zap_->send(zmq::str_buffer(""), zmq::send_flags::none);
}

const std::string& Router::endpointOf(const std::string& role) const {
  static const std::string kUnknown = "?";
  for (const auto& w : watches_) {
    if (w.role == role) return w.endpoint;
  }
  return kUnknown;
}

void Router::publish(bool now) {
  auto clock = util::SteadyClock::now();
  if (!now && clock < nextPublish_) return;
  nextPublish_ = clock + kPublishEvery;
  for (const auto& watch : watches_) {
    stats_.connections[watch.role] = watch.accepted - std::min(watch.closed, watch.accepted);
  }
  std::lock_guard lock(publishedMutex_);
  published_ = stats_;
}

RouterStats Router::snapshot() const {
  std::lock_guard lock(publishedMutex_);
  return published_;
}

void Router::readMonitor(Watch& watch) {
  while (auto event = watch.monitor->tryRead()) {
    if (event->event == ZMQ_EVENT_ACCEPTED) ++watch.accepted;
    if (event->event == ZMQ_EVENT_DISCONNECTED) ++watch.closed;
    if (event->event == ZMQ_EVENT_ACCEPT_FAILED) {
      countAcceptFailure(watch, event->value);
      continue;
    }
    auto verdict = watch.tracker.onEvent(*event);
    if (!verdict) continue;
    if (!verdict->refused) {
      ++stats_.peersAccepted;
      continue;
    }
    countRefusal(watch, *verdict);
  }
}

// libzmq does not report the peer's address with these events (see core/bus/monitor.hpp):
// the line names the socket and endpoint the peer reached.
void Router::countRefusal(const Watch& watch, const HandshakeVerdict& verdict) {
  const bus::HandshakeFailure failure = *verdict.refused;
  ++stats_.peersRefused;
  ++stats_.refusedBy[static_cast<int>(failure)];
  if (failure == bus::HandshakeFailure::NotAuthorized && zap_) return;  // answerZap logged it
  if (!mayLogRefusal()) return;
  log::get("drover.broker")
      ->warn("refused peer on {} {} (reason={}): {}: {}", watch.role, watch.endpoint,
             bus::labelOf(failure), explain(failure, curve_), verdict.detail);
}

// libzmq retries a failed accept by itself and says nothing: the peer just waits. Out of
// open files (EMFILE) is how a broker with too many nodes fails, and libzmq would retry
// it in a tight loop: the socket stops listening for kAcceptPause, and it is named.
void Router::countAcceptFailure(Watch& watch, std::uint32_t error) {
  ++stats_.acceptsFailed;
  int code = static_cast<int>(error);
  bool outOfFiles = code == EMFILE || code == ENFILE;
  if (outOfFiles && !watch.pausedUntil) {
    for (const auto& endpoint : watch.bound) {
      try {
        watch.socket->unbind(endpoint);
      } catch (const zmq::error_t&) {
      }
    }
    watch.pausedUntil = util::SteadyClock::now() + kAcceptPause;
    ++stats_.acceptPauses;
  }
  if (!mayLogRefusal()) return;
  log::get("drover.broker")
      ->error("could not accept a connection on {} {}: {}{}", watch.role, watch.endpoint,
              std::strerror(code),
              outOfFiles ? fmt::format(" (open files limit {}; every node holds two connections): "
                                       "not accepting there for {} ms",
                                       openFilesLimit(), kAcceptPause.count())
                         : "");
}

void Router::resumeAccepting() {
  auto now = util::SteadyClock::now();
  for (auto& watch : watches_) {
    if (!watch.pausedUntil || now < *watch.pausedUntil) continue;
    std::size_t rebound = 0;
    try {
      for (; rebound < watch.bound.size(); ++rebound) watch.socket->bind(watch.bound[rebound]);
      watch.pausedUntil.reset();
      log::get("drover.broker")->info("accepting again on {} {}", watch.role, watch.endpoint);
    } catch (const zmq::error_t& e) {
      // All of them again next time: undo the ones this attempt bound.
      for (std::size_t i = 0; i < rebound; ++i) {
        try {
          watch.socket->unbind(watch.bound[i]);
        } catch (const zmq::error_t&) {
        }
      }
      watch.pausedUntil = now + kAcceptPause;  // still out of files, or the port is taken
      log::get("drover.broker")
          ->warn("cannot listen again on {} {} yet: {}", watch.role, watch.endpoint, e.what());
    }
  }
}

// Asked before a refusal line is formatted, so a flood costs no formatting.
bool Router::mayLogRefusal() {
  flushSuppressed();
  if (refusalLog_.admit(log::LogThrottle::Clock::now())) return true;
  stats_.refusalLinesSuppressed = refusalLog_.suppressedTotal();
  return false;
}

void Router::flushSuppressed() {
  reportSuppressed(refusalLog_.takeSuppressed(log::LogThrottle::Clock::now()));
}

void Router::reportSuppressed(std::uint64_t count) {
  if (count == 0) return;
  log::get("drover.broker")
      ->warn(
          "suppressed {} more refused-peer lines (at most {} are logged per {} s); "
          "peers_refused={} in all",
          count, kRefusalLines, kRefusalWindow.count(), stats_.peersRefused);
}

}  // namespace drover::broker
