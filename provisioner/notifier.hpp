#pragma once
// What the provisioner tells the admins. The engine raises an Event on each of these
// moments; a Notifier delivers it. Kept small so the notifier library (notify/) can sit
// behind it: deliver() must not block provisioning for long (queue and retry inside)
// and must not throw.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::provisioner {

/// One step of the flow as it ran: every attempt of it, summed.
struct StepTiming {
  std::string name;
  std::int64_t durationMs = 0;
  bool ok = true;
  std::string error;  // the last attempt's, when not ok
};

struct Event {
  enum class Kind { Provisioned, Failed, Retried, WaitingTooLong };
  Kind kind = Kind::Provisioned;
  std::string node;
  std::string master;      // empty before one is chosen
  std::string step;        // the step concerned (failed, retried)
  int attempt = 0;
  std::string message;     // error or reason
  std::int64_t timeMs = 0;
  std::int64_t durationMs = 0;  // provisioned/failed: since the flow started; waiting: so far
  Json facts = Json::object();  // the node's facts, for message templates
  std::vector<StepTiming> steps;  // finished steps of this run of the flow, in order
};

std::string toString(Event::Kind kind);
/// The event as one JSON object (facts included).
Json toJson(const Event& event);

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void deliver(const Event& event) noexcept = 0;
};

/// Writes one JSON line per event (without facts) to a file, or stdout when the path
/// is empty. Thread safe.
class LogNotifier : public Notifier {
 public:
  /// Throws std::runtime_error naming the file when it cannot be opened for appending.
  explicit LogNotifier(const std::filesystem::path& file);
  ~LogNotifier() override;
  void deliver(const Event& event) noexcept override;

 private:
  std::mutex mutex_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
};

}  // namespace drover::provisioner
