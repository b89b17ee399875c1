#pragma once
// One class per channel behind one interface. The public deliver() never throws: it runs
// the channel's send(), turns any exception into an Outcome, and masks the channel's
// secrets in the error text before anyone can log it (pxp-agent's executeAction() around
// callAction() is the model).
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "notifiers/presenter.hpp"

namespace drover::notifiers {

/// What one delivery attempt came to.
struct Outcome {
  bool ok = false;
  bool retryable = true;  // false: trying again cannot help (bad address, 4xx, refused login)
  std::string error;      // names the notifier; secrets masked
  std::chrono::milliseconds elapsed{0};
};

/// Thrown by send() for a failure that should not be retried.
class PermanentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Notifier {
 public:
  Notifier(std::string name, std::string type) : name_(std::move(name)), type_(std::move(type)) {}
  virtual ~Notifier() = default;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }

  /// Delivers `message` once, synchronously. Never throws. Not thread safe: one caller at
  /// a time (the Dispatcher gives each notifier one worker thread).
  Outcome deliver(const Message& message) noexcept;

  /// Starts whatever the channel keeps open (the XMPP connection), so the first message
  /// does not wait for a login. Never throws; problems are logged and retried.
  virtual void start() noexcept {}

  /// Closes what start() opened; a deliver() running on another thread returns soon after
  /// with a failure. Never throws; safe to call from any thread.
  virtual void stop() noexcept {}

 protected:
  /// Sends `message`. Throws PermanentError when retrying cannot help, any other
  /// std::exception for a failure worth retrying.
  virtual void send(const Message& message) = 0;

  /// Values masked as "***" in every error deliver() reports.
  void addSecret(const std::string& value) { secrets_.push_back(value); }

 private:
  std::string name_;
  std::string type_;
  std::vector<std::string> secrets_;
};

}  // namespace drover::notifiers
