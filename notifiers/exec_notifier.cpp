#include "notifiers/exec_notifier.hpp"

#include <stdexcept>

#include "core/util/subprocess.hpp"

namespace drover::notifiers {
namespace {

constexpr std::size_t kQuotedStderr = 400;

std::string tailOf(const std::string& text) {
  std::string out =
      text.size() > kQuotedStderr ? "..." + text.substr(text.size() - kQuotedStderr) : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

ExecNotifier::ExecNotifier(const ChannelOptions& options, ExecSettings settings)
    : Notifier(options.name, "exec"), settings_(std::move(settings)), timeout_(options.timeout) {}

void ExecNotifier::send(const Message& message) {
  util::SubprocessOptions opts;
  opts.environment = settings_.environment;
  opts.environment.push_back("DROVER_EVENT=" + message.document.value("event", std::string()));
  opts.environment.push_back("DROVER_NODE=" + message.document.value("node", std::string()));
  opts.environment.push_back("DROVER_MESSAGE_ID=" + message.id);
  opts.maxOutputBytes = 64 * 1024;
  std::string input = message.document.dump(-1, ' ', false, Json::error_handler_t::replace);
  util::SubprocessResult result = util::runProcess(settings_.command, input + "\n", timeout_, opts);
  const std::string& program = settings_.command.front();
  if (result.timedOut) {
    throw std::runtime_error(program + " did not finish within " +
                             std::to_string(timeout_.count()) + " ms and was killed");
  }
  if (result.exitCode == 127 && result.signal == 0 && result.out.empty()) {
    throw std::runtime_error(program + " could not be run: " + tailOf(result.err));
  }
  if (result.signal != 0) {
    throw std::runtime_error(program + " was killed by signal " + std::to_string(result.signal));
  }
  if (result.exitCode != 0) {
    std::string err = tailOf(result.err);
    throw std::runtime_error(program + " exited with status " + std::to_string(result.exitCode) +
                             (err.empty() ? "" : ": " + err));
  }
}

}  // namespace drover::notifiers
