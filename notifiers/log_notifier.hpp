#pragma once
// Appends one JSON document per line to a file. The file is opened for each message, so
// logrotate can move it away without a signal.
#include "notifiers/config.hpp"
#include "notifiers/notifier.hpp"

namespace drover::notifiers {

class LogNotifier : public Notifier {
 public:
  LogNotifier(const ChannelOptions& options, LogSettings settings);

 protected:
  void send(const Message& message) override;

 private:
  LogSettings settings_;
};

}  // namespace drover::notifiers
