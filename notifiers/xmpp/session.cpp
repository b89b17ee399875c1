#include "notifiers/xmpp/session.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <gloox/message.h>

#include "core/log/log.hpp"
#include "notifiers/xmpp/transport.hpp"

namespace drover::notifiers::xmpp {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kRecvSliceUs = 100'000;  // gloox cannot be woken, so it polls this often
constexpr milliseconds kMinBackoff{1000};
constexpr milliseconds kMaxBackoff{60'000};

const log::Logger logger{"drover.notify.xmpp"};

gloox::TLSPolicy policyFor(TlsMode mode) {
  switch (mode) {
    case TlsMode::Required: return gloox::TLSRequired;
    case TlsMode::Optional: return gloox::TLSOptional;
    case TlsMode::Disabled: break;
  }
  return gloox::TLSDisabled;
}

std::string roomErrorText(gloox::StanzaError error, const std::string& nick) {
  switch (error) {
    case gloox::StanzaErrorConflict: return "the nickname '" + nick + "' is already in use";
    case gloox::StanzaErrorNotAuthorized: return "the room needs a password";
    case gloox::StanzaErrorForbidden: return "this account is banned from the room";
    case gloox::StanzaErrorItemNotFound: return "the room does not exist";
    case gloox::StanzaErrorRegistrationRequired: return "the room is members-only";
    case gloox::StanzaErrorServiceUnavailable: return "the room is full or the service is down";
    default: return "the server refused the join (stanza error " + std::to_string(error) + ")";
  }
}

std::string certProblems(int status) {
  std::string out;
  auto add = [&](int bit, const char* text) {
    if ((status & bit) != 0) out += (out.empty() ? "" : ", ") + std::string(text);
  };
  add(gloox::CertInvalid, "not trusted");
  add(gloox::CertSignerUnknown, "unknown issuer");
  add(gloox::CertRevoked, "revoked");
  add(gloox::CertExpired, "expired");
  add(gloox::CertNotActive, "not yet valid");
  add(gloox::CertWrongPeer, "issued for another name");
  add(gloox::CertSignerNotCa, "signer is not a CA");
  return out.empty() ? "status " + std::to_string(status) : out;
}

}  // namespace

Session::Session(std::string name, XmppSettings settings)
    : name_(std::move(name)), settings_(std::move(settings)) {
  gloox::JID jid(settings_.jid);
  domain_ = jid.server();
  host_ = settings_.server.empty() ? domain_ : settings_.server;
}

Session::~Session() { stop(); }

void Session::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void Session::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

PostResult Session::post(const std::string& text, milliseconds timeout) {
  auto item = std::make_shared<Item>();
  item->text = text;
  auto result = item->result.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return PostResult{"the XMPP session is stopping", true};
    outbox_.push_back(item);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_all();
  if (result.wait_for(timeout) == std::future_status::ready) return result.get();
  int queued = kQueued;
  if (item->state.compare_exchange_strong(queued, kWithdrawn)) {
    return PostResult{"not sent within " + std::to_string(timeout.count()) + " ms: " + statusText(),
                      true};
  }
  // Already on the wire: wait for the server's answer rather than risk a second copy.
  if (result.wait_for(timeout) == std::future_status::ready) return result.get();
  return PostResult{
      "sent, but the server did not confirm within " + std::to_string(2 * timeout.count()) + " ms",
      false};
}

std::string Session::statusText() {
  std::lock_guard lock(mutex_);
  if (online_) return "the server did not confirm";
  std::string where = host_ + ":" + std::to_string(settings_.port);
  return lastError_.empty() ? "still connecting to " + where
                            : "not connected to " + where + ": " + lastError_;
}

void Session::complete(Item& item, PostResult result) {
  try {
    item.result.set_value(std::move(result));
  } catch (const std::future_error&) {
    // Already completed; nothing is waiting for a second answer.
  }
}

void Session::run() {
  nextConnect_ = Clock::now();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
      if (!client_ && Clock::now() < nextConnect_) {
        wake_.wait_until(lock, nextConnect_, [this] { return stopping_; });
        continue;
      }
    }
    if (!client_) {
      connect();
    } else {
      step();
    }
  }
  if (client_ && state_ == State::Online) {
    rooms_.clear();  // each leaves its room
    client_->disconnect();
  }
  teardown();
  failAll("the XMPP notifier stopped");
}

void Session::connect() {
  lostReason_.clear();
  certStatus_ = -1;
  client_ = std::make_unique<gloox::Client>(gloox::JID(settings_.jid),
                                            settings_.password ? settings_.password->reveal() : "");
  client_->setServer(host_);
  client_->setPort(settings_.port);
  client_->setTls(policyFor(settings_.tls));
  client_->disableRoster();  // otherwise onConnect waits for the roster
  client_->registerConnectionListener(this);
  client_->setConnectionImpl(new TimeoutConnection(client_.get(), client_->logInstance(), host_,
                                                   settings_.port, settings_.connectTimeout));
  if (settings_.tls != TlsMode::Disabled) {
    client_->setEncryptionImpl(new GuardedTls(client_.get(), domain_, settings_.caFile.string()));
  }
  state_ = State::Connecting;
  loginDeadline_ = Clock::now() + 2 * settings_.connectTimeout;
  if (!client_->connect(false)) {
    lost(lostReason_.empty() ? describe(gloox::ConnConnectionRefused) : lostReason_);
  }
}

void Session::step() {
  gloox::ConnectionError error = client_->recv(kRecvSliceUs);
  if (error != gloox::ConnNoError || !lostReason_.empty()) {
    lost(lostReason_.empty() ? describe(error) : lostReason_);
    return;
  }
  if (state_ == State::Online && roomsSettled()) {
    if (!online_) {
      online_ = true;
      std::lock_guard lock(mutex_);
      lastError_.clear();
    }
    sendQueued();
  }
  checkTimers();
}

bool Session::roomsSettled() const {
  return std::all_of(rooms_.begin(), rooms_.end(),
                     [](const Room& room) { return room.joined || !room.error.empty(); });
}

void Session::sendQueued() {
  std::vector<std::shared_ptr<Item>> batch;
  {
    std::lock_guard lock(mutex_);
    for (auto& item : outbox_) {
      int queued = kQueued;
      if (item->state.compare_exchange_strong(queued, kSent)) batch.push_back(item);
    }
    outbox_.clear();
  }
  if (batch.empty()) return;
  std::string problem;
  std::size_t reachable = settings_.to.size();
  for (const auto& room : rooms_) {
    if (room.joined) {
      ++reachable;
    } else {
      problem += (problem.empty() ? "" : "; ") + ("room " + room.jid + ": " + room.error);
    }
  }
  if (reachable == 0) {
    for (auto& item : batch) complete(*item, PostResult{problem, true});
    return;
  }
  for (auto& item : batch) {
    for (const auto& to : settings_.to) {
      client_->send(gloox::Message(gloox::Message::Chat, gloox::JID(to), item->text));
    }
    for (auto& room : rooms_) {
      if (room.joined) room.room->send(item->text);
    }
  }
  client_->xmppPing(gloox::JID(domain_), this);
  pings_.push_back(Ping{std::move(batch), problem, Clock::now()});
  lastActivity_ = Clock::now();
}

void Session::checkTimers() {
  auto now = Clock::now();
  if (state_ == State::Connecting && now > loginDeadline_) {
    lost(
        fmt::format("login did not complete within {} ms", (2 * settings_.connectTimeout).count()));
    return;
  }
  if (!pings_.empty() && now - pings_.front().sent > 2 * settings_.connectTimeout) {
    lost(fmt::format("the server did not answer a ping within {} ms",
                     (2 * settings_.connectTimeout).count()));
    return;
  }
  if (state_ == State::Online && pings_.empty() && now - lastActivity_ > settings_.keepalive) {
    // Finds a dead connection before a message has to.
    client_->xmppPing(gloox::JID(domain_), this);
    pings_.push_back(Ping{{}, "", now});
    lastActivity_ = now;
  }
}

void Session::lost(const std::string& reason) {
  const bool wasOnline = state_ == State::Online;
  for (auto& ping : pings_) {
    for (auto& item : ping.items) {
      complete(*item,
               PostResult{"connection lost before the server confirmed delivery: " + reason, true});
    }
  }
  pings_.clear();
  teardown();
  backoff_ = backoff_.count() == 0 ? kMinBackoff : std::min(backoff_ * 2, kMaxBackoff);
  // Jitter keeps several provisioners from reconnecting in step after a server restart.
  static thread_local std::mt19937 random{std::random_device{}()};
  auto jitter = milliseconds(std::uniform_int_distribution<long>(0, backoff_.count() / 4)(random));
  nextConnect_ = Clock::now() + backoff_ + jitter;
  logger()->warn("notifier={} {} {}:{}: {}; next attempt in {} ms", name_,
                 wasOnline ? "lost the connection to" : "could not log in to", host_,
                 settings_.port, reason, (backoff_ + jitter).count());
  std::lock_guard lock(mutex_);
  lastError_ = reason;
}

void Session::teardown() {
  rooms_.clear();  // before the client they belong to
  client_.reset();
  state_ = State::Offline;
  online_ = false;
}

void Session::failAll(const std::string& reason) {
  for (auto& ping : pings_) {
    for (auto& item : ping.items) complete(*item, PostResult{reason, true});
  }
  pings_.clear();
  std::lock_guard lock(mutex_);
  for (auto& item : outbox_) complete(*item, PostResult{reason, true});
  outbox_.clear();
}

void Session::onConnect() {
  state_ = State::Online;
  backoff_ = milliseconds(0);
  lastActivity_ = Clock::now();
  logger()->info("notifier={} logged in to {}:{} as {}", name_, host_, settings_.port,
                 client_->jid().full());
  rooms_.clear();
  for (const auto& jid : settings_.rooms) {
    Room room;
    room.jid = jid;
    room.room = std::make_unique<gloox::MUCRoom>(client_.get(),
                                                 gloox::JID(jid + "/" + settings_.nick), this);
    room.room->setRequestHistory(0, gloox::MUCRoom::HistoryMaxStanzas);
    room.room->join();
    rooms_.push_back(std::move(room));
  }
}

void Session::onDisconnect(gloox::ConnectionError error) {
  if (lostReason_.empty()) lostReason_ = describe(error);
}

bool Session::onTLSConnect(const gloox::CertInfo& info) {
  certStatus_ = info.status;
  if (info.status == gloox::CertOk) return true;
  lostReason_ = "TLS: the certificate of " + domain_ + " is " + certProblems(info.status) +
                " (CA file " + settings_.caFile.string() + ")";
  return false;
}

void Session::handleEvent(const gloox::Event& event) {
  if (event.eventType() != gloox::Event::PingPong && event.eventType() != gloox::Event::PingError)
    return;
  if (pings_.empty()) return;
  Ping ping = std::move(pings_.front());
  pings_.pop_front();
  for (auto& item : ping.items) {
    // Some targets have the message now: retrying would repeat it to them.
    complete(*item, ping.problem.empty()
                        ? PostResult{}
                        : PostResult{"delivered except to " + ping.problem, false});
  }
}

void Session::handleMUCParticipantPresence(gloox::MUCRoom* room,
                                           const gloox::MUCRoomParticipant participant,
                                           const gloox::Presence& presence) {
  if ((participant.flags & gloox::UserSelf) == 0) return;
  for (auto& entry : rooms_) {
    if (entry.room.get() != room) continue;
    entry.joined = presence.subtype() != gloox::Presence::Unavailable;
    if (entry.joined) {
      entry.error.clear();
      logger()->info("notifier={} joined room {}", name_, entry.jid);
    } else {
      entry.error = "removed from the room";
    }
  }
}

void Session::handleMUCError(gloox::MUCRoom* room, gloox::StanzaError error) {
  for (auto& entry : rooms_) {
    if (entry.room.get() != room) continue;
    entry.joined = false;
    entry.error = roomErrorText(error, settings_.nick);
    logger()->error("notifier={} cannot join room {}: {}", name_, entry.jid, entry.error);
  }
}

std::string Session::describe(gloox::ConnectionError error) const {
  switch (error) {
    case gloox::ConnConnectionRefused:
    case gloox::ConnDnsError: {
      auto* connection =
          client_ ? dynamic_cast<TimeoutConnection*>(client_->connectionImpl()) : nullptr;
      if (connection != nullptr && !connection->lastError().empty()) return connection->lastError();
      return "connection refused";
    }
    case gloox::ConnAuthenticationFailed:
      return "login as " + settings_.jid +
             " refused: wrong password or no such account (SASL error " +
             std::to_string(client_ ? client_->authError() : 0) + ")";
    case gloox::ConnTlsFailed:
      return certStatus_ > 0 ? "TLS: certificate " + certProblems(certStatus_)
                             : "TLS handshake failed";
    case gloox::ConnTlsNotAvailable: return "the server does not offer TLS (tls: required)";
    case gloox::ConnNoSupportedAuth:
      return "the server offers no login method gloox supports (does it require TLS?)";
    case gloox::ConnStreamError:
      if (client_ && client_->streamError() == gloox::StreamErrorSystemShutdown) {
        return "the server is shutting down";
      }
      return "stream error " + std::to_string(client_ ? client_->streamError() : 0);
    case gloox::ConnStreamClosed: return "the server closed the stream";
    case gloox::ConnIoError: return "connection lost (I/O error)";
    case gloox::ConnUserDisconnected: return "disconnected";
    case gloox::ConnNotConnected: return "not connected";
    default: return "connection error " + std::to_string(error);
  }
}

}  // namespace drover::notifiers::xmpp
