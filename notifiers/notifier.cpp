#include "notifiers/notifier.hpp"

#include "notifiers/secret.hpp"

namespace drover::notifiers {

Outcome Notifier::deliver(const Message& message) noexcept {
  Outcome outcome;
  auto started = std::chrono::steady_clock::now();
  try {
    send(message);
    outcome.ok = true;
  } catch (const PermanentError& e) {
    outcome.retryable = false;
    outcome.error = e.what();
  } catch (const std::exception& e) {
    outcome.error = e.what();
  } catch (...) {
    outcome.error = "unknown exception";
  }
  outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  try {
    outcome.error = redact(std::move(outcome.error), secrets_);
  } catch (...) {
    outcome.error = "delivery failed (the error text could not be prepared)";
  }
  return outcome;
}

}  // namespace drover::notifiers
