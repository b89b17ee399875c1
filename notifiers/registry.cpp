#include "notifiers/registry.hpp"

#include "notifiers/email_notifier.hpp"
#include "notifiers/exec_notifier.hpp"
#include "notifiers/log_notifier.hpp"
#include "notifiers/webhook_notifier.hpp"
#include "notifiers/xmpp_notifier.hpp"

namespace drover::notifiers {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::unique_ptr<Notifier> makeNotifier(const NotifierConfig& config) {
  const ChannelOptions& options = config.options;
  return std::visit(Overloaded{
                        [&](const LogSettings& s) -> std::unique_ptr<Notifier> {
                          return std::make_unique<LogNotifier>(options, s);
                        },
                        [&](const ExecSettings& s) -> std::unique_ptr<Notifier> {
                          return std::make_unique<ExecNotifier>(options, s);
                        },
                        [&](const WebhookSettings& s) -> std::unique_ptr<Notifier> {
                          return std::make_unique<WebhookNotifier>(options, s);
                        },
                        [&](const EmailSettings& s) -> std::unique_ptr<Notifier> {
                          return std::make_unique<EmailNotifier>(options, s);
                        },
                        [&](const XmppSettings& s) -> std::unique_ptr<Notifier> {
                          return std::make_unique<XmppNotifier>(options, s);
                        },
                    },
                    config.settings);
}

}  // namespace drover::notifiers
