#pragma once
// XMPP chat: direct messages to the `to` JIDs and posts to the `rooms`, over one
// long-lived connection (xmpp/session.hpp) that logs in at start() and reconnects.
#include <memory>

#include "notifiers/config.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

namespace xmpp {
class Session;
}

class XmppNotifier : public Notifier {
 public:
  XmppNotifier(const ChannelOptions& options, XmppSettings settings);
  ~XmppNotifier() override;  // out of line for the unique_ptr member

  void start() noexcept override;
  void stop() noexcept override;

 protected:
  void send(const Message& message) override;

 private:
  std::unique_ptr<xmpp::Session> session_;
  std::chrono::milliseconds timeout_;
};

}  // namespace drover::notifiers
