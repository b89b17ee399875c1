#pragma once
// One long-lived XMPP connection for one notifier. A single thread owns the gloox Client:
// it connects, logs in, joins the rooms, runs the receive loop, sends what other threads
// queued with post(), and reconnects with backoff when the connection drops. gloox is not
// safe to call from two threads at once (its TLS layer has no lock), so nothing else ever
// touches the Client.
//
// Delivery is confirmed with an XMPP ping after the messages: the server handles a
// client's stanzas in order, so its answer means the messages were routed.
//
// A room whose join is refused (nickname taken, members only) is logged and left out until
// the next login; messages still go to the other targets and are reported as failed, not
// retried, so nobody gets them twice. gloox waits on its socket with select(), so the
// connection's fd must stay below 1024: open notifiers before a daemon opens many files.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gloox/client.h>
#include <gloox/connectionlistener.h>
#include <gloox/eventhandler.h>
#include <gloox/mucroom.h>
#include <gloox/mucroomhandler.h>

#include "notifiers/config.hpp"

namespace drover::notifiers::xmpp {

/// What became of one post().
struct PostResult {
  std::string error;      // empty when the server confirmed every target
  bool retryable = true;  // false once some targets got it: a retry would repeat it to them
  bool ok() const { return error.empty(); }
};

class Session : public gloox::ConnectionListener,
                public gloox::EventHandler,
                public gloox::MUCRoomHandler {
 public:
  /// `name` is the notifier's name, for log lines. The password must be set.
  Session(std::string name, XmppSettings settings);
  ~Session() override;  // stop()s
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Starts the owner thread, which connects at once. Idempotent. Thread safe.
  void start();

  /// Leaves the rooms, disconnects and joins the owner thread; queued messages fail.
  /// Idempotent. Thread safe.
  void stop();

  /// Sends `text` to every JID and room; returns once the server confirmed it ("") or
  /// with the reason it was not delivered. A message not sent within `timeout` is
  /// withdrawn, so a retry cannot deliver it twice. Starts the session if needed.
  /// Thread safe; never throws except std::bad_alloc and std::system_error.
  PostResult post(const std::string& text, std::chrono::milliseconds timeout);

  /// Logged in (and the rooms joined or refused). Thread safe.
  bool online() const { return online_.load(); }

  // gloox callbacks: called on the owner thread only.
  void onConnect() override;
  void onDisconnect(gloox::ConnectionError error) override;
  bool onTLSConnect(const gloox::CertInfo& info) override;
  void handleEvent(const gloox::Event& event) override;
  void handleMUCParticipantPresence(gloox::MUCRoom* room,
                                    const gloox::MUCRoomParticipant participant,
                                    const gloox::Presence& presence) override;
  void handleMUCMessage(gloox::MUCRoom*, const gloox::Message&, bool) override {}
  bool handleMUCRoomCreation(gloox::MUCRoom*) override { return true; }
  void handleMUCSubject(gloox::MUCRoom*, const std::string&, const std::string&) override {}
  void handleMUCInviteDecline(gloox::MUCRoom*, const gloox::JID&, const std::string&) override {}
  void handleMUCError(gloox::MUCRoom* room, gloox::StanzaError error) override;
  void handleMUCInfo(gloox::MUCRoom*, int, const std::string&, const gloox::DataForm*) override {}
  void handleMUCItems(gloox::MUCRoom*, const gloox::Disco::ItemList&) override {}

 private:
  enum ItemState { kQueued, kSent, kWithdrawn };
  struct Item {
    std::string text;
    std::promise<PostResult> result;
    std::atomic<int> state{kQueued};  // queued -> sent (owner thread) or withdrawn (poster)
  };
  struct Ping {
    std::vector<std::shared_ptr<Item>> items;  // empty for a keepalive
    std::string problem;                       // rooms that could not be reached
    std::chrono::steady_clock::time_point sent;
  };
  struct Room {
    std::string jid;  // room@service
    std::unique_ptr<gloox::MUCRoom> room;
    bool joined = false;
    std::string error;  // the join was refused
  };
  enum class State { Offline, Connecting, Online };

  void run();
  void connect();
  void step();
  void teardown();
  void sendQueued();
  bool roomsSettled() const;
  void checkTimers();
  void lost(const std::string& reason);
  void failAll(const std::string& reason);
  std::string describe(gloox::ConnectionError error) const;
  std::string statusText();
  static void complete(Item& item, PostResult result);

  const std::string name_;
  const XmppSettings settings_;
  std::string host_;
  std::string domain_;

  // Shared with posting threads, under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Item>> outbox_;
  std::string lastError_;
  bool stopping_ = false;
  std::atomic<bool> online_{false};
  std::thread thread_;

  // Owner thread only.
  std::unique_ptr<gloox::Client> client_;
  std::vector<Room> rooms_;
  std::deque<Ping> pings_;
  State state_ = State::Offline;
  std::string lostReason_;
  int certStatus_ = -1;
  std::chrono::steady_clock::time_point loginDeadline_;
  std::chrono::steady_clock::time_point nextConnect_;
  std::chrono::steady_clock::time_point lastActivity_;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace drover::notifiers::xmpp
