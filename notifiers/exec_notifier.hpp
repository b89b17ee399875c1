#pragma once
// Runs a command for each message, without a shell: the argv from the config, the JSON
// document on stdin, DROVER_EVENT and DROVER_NODE in its environment. Exit status 0 is
// success; anything else (or the timeout) is a failure quoting the end of its stderr.
#include "notifiers/config.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

class ExecNotifier : public Notifier {
 public:
  ExecNotifier(const ChannelOptions& options, ExecSettings settings);

 protected:
  void send(const Message& message) override;

 private:
  ExecSettings settings_;
  std::chrono::milliseconds timeout_;
};

}  // namespace drover::notifiers
