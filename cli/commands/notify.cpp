// drover notify test: sends a test message through each notifier configured in the
// provisioner's config (or the one --notifier names), one attempt each, and prints what
// became of it, so an operator can check credentials, addresses and TLS before relying
// on them. Exit status 0 when every notifier delivered, 1 when one failed, 2 for a bad
// config or an unknown notifier name.
#include <unistd.h>

#include <cstdio>

#include "cli/commands/commands.hpp"
#include "core/util/clock.hpp"
#include "notifiers/config.hpp"
#include "notifiers/presenter.hpp"
#include "notifiers/registry.hpp"

namespace drover::cli {
namespace {

constexpr const char* kDefaultProvisionerConfig = "/etc/drover/provisioner.yaml";

struct NotifyFlags {
  std::string config = kDefaultProvisionerConfig;
  std::string notifier;
};

notifiers::Event testEvent() {
  notifiers::Event event;
  event.kind = notifiers::EventKind::Test;
  char host[256] = {};
  event.node = ::gethostname(host, sizeof(host) - 1) == 0 ? host : "drover";
  event.startedMs = event.finishedMs = util::nowMs();
  return event;
}

std::vector<const notifiers::NotifierConfig*> chosen(const notifiers::NotifyConfig& config,
                                                     const std::string& name) {
  if (config.notifiers.empty()) {
    throw UsageError(config.source + ": no notifiers configured (no 'notifiers:' section)");
  }
  std::vector<const notifiers::NotifierConfig*> out;
  if (name.empty()) {
    for (const auto& notifier : config.notifiers) out.push_back(&notifier);
    return out;
  }
  if (const auto* notifier = config.find(name)) return {notifier};
  std::string names;
  for (const auto& notifier : config.notifiers) {
    names += (names.empty() ? "" : ", ") + notifier.options.name;
  }
  throw UsageError("no notifier '" + name + "' in " + config.source + " (configured: " + names +
                   ")");
}

bool testOne(const notifiers::NotifierConfig& config, const notifiers::Event& event) {
  const auto& options = config.options;
  std::printf("%-20s %-8s ", options.name.c_str(), options.type.c_str());
  std::fflush(stdout);
  notifiers::Outcome outcome;
  try {
    auto notifier = notifiers::makeNotifier(config);
    notifier->start();
    outcome = notifier->deliver(notifiers::Presenter(options).single(event));
    notifier->stop();
  } catch (const std::exception& e) {
    outcome.error = e.what();
  }
  if (outcome.ok) {
    std::printf("ok (%lld ms)\n", static_cast<long long>(outcome.elapsed.count()));
  } else {
    std::printf("FAILED: %s\n", outcome.error.c_str());
  }
  return outcome.ok;
}

int runNotifyTest(const NotifyFlags& flags) {
  notifiers::NotifyConfig config;
  try {
    config = notifiers::loadFile(flags.config);
  } catch (const notifiers::ConfigError& e) {
    throw UsageError(e.what());
  }
  const notifiers::Event event = testEvent();
  int failed = 0;
  for (const auto* notifier : chosen(config, flags.notifier)) {
    if (!testOne(*notifier, event)) ++failed;
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void addNotify(Context& context, Command& chosenCommand) {
  CLI::App* notifyCommand =
      context.app().add_subcommand("notify", "Notifiers of the provisioner (XMPP, email, ...)");
  notifyCommand->require_subcommand(1);
  auto flags = std::make_shared<NotifyFlags>();
  CLI::App* test = notifyCommand->add_subcommand(
      "test", "Send a test message through each notifier and report each outcome");
  test->add_option("--config", flags->config, "Config file with a 'notifiers:' section")
      ->capture_default_str();
  test->add_option("--notifier", flags->notifier, "Only the notifier with this name");
  test->callback(
      [&chosenCommand, flags] { chosenCommand = [flags] { return runNotifyTest(*flags); }; });
}

}  // namespace drover::cli
