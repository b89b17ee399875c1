#include "notifiers/xmpp_notifier.hpp"

#include <stdexcept>

#include "core/log/log.hpp"
#include "notifiers/xmpp/session.hpp"

namespace drover::notifiers {

XmppNotifier::XmppNotifier(const ChannelOptions& options, XmppSettings settings)
    : Notifier(options.name, "xmpp"), timeout_(options.timeout) {
  if (settings.password) addSecret(settings.password->reveal());
  session_ = std::make_unique<xmpp::Session>(options.name, std::move(settings));
}

XmppNotifier::~XmppNotifier() = default;

void XmppNotifier::start() noexcept {
  try {
    session_->start();
  } catch (const std::exception& e) {
    log::get("drover.notify.xmpp")->error("notifier={} cannot start: {}", name(), e.what());
  }
}

void XmppNotifier::stop() noexcept {
  try {
    session_->stop();
  } catch (const std::exception& e) {
    log::get("drover.notify.xmpp")->error("notifier={} cannot stop: {}", name(), e.what());
  }
}

void XmppNotifier::send(const Message& message) {
  xmpp::PostResult result = session_->post(message.text, timeout_);
  if (result.ok()) return;
  if (!result.retryable) throw PermanentError(result.error);
  throw std::runtime_error(result.error);
}

}  // namespace drover::notifiers
