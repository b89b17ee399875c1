#pragma once
// What the provisioner tells the notifiers: one outcome for one node. Events are plain
// values; the Dispatcher copies them into its queues, so the caller keeps nothing alive.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::notifiers {

enum class EventKind {
  Provisioned,     // every step succeeded
  Failed,          // a step failed for good (failedStep, error)
  Retried,         // a step failed and is being tried again (failedStep, error, attempt)
  WaitingTooLong,  // the node has waited longer than the flow allows (started..finished)
  Test,            // sent by `drover notify test`
};

inline constexpr std::array<EventKind, 5> kAllKinds{EventKind::Provisioned, EventKind::Failed,
                                                    EventKind::Retried, EventKind::WaitingTooLong,
                                                    EventKind::Test};

/// "provisioned", "failed", "retried", "waiting_too_long", "test": the names used in
/// config files and in the JSON documents.
std::string_view kindName(EventKind kind);

/// The kind called `name`, or nullopt.
std::optional<EventKind> parseKind(std::string_view name);

/// One step of the flow as it ran.
struct StepResult {
  std::string name;
  std::int64_t durationMs = 0;
  bool ok = true;
  std::string error;  // empty when ok
  bool operator==(const StepResult&) const = default;
};

struct Event {
  EventKind kind = EventKind::Test;
  std::string node;               // the node's identity
  std::string master;             // the Puppet master chosen for it; empty before the choice
  Json facts = Json::object();    // the node facts the provisioner chose to pass on
  std::vector<StepResult> steps;  // in the order they ran
  std::string failedStep;         // Failed and Retried: the step that failed
  std::string error;              // Failed and Retried: what went wrong
  int attempt = 1;                // 1 for the first try of the flow (or of the failed step)
  std::int64_t startedMs = 0;     // ms since the epoch: the flow started (or waiting began)
  std::int64_t finishedMs = 0;    // ms since the epoch: the outcome was known

  /// finishedMs - startedMs, or 0 when either is unset.
  std::int64_t durationMs() const;

  /// The fact at `path` ("region", or "cloud.region" for a nested map) as text:
  /// strings as they are, other values as JSON; nullopt when absent or null.
  std::optional<std::string> fact(const std::string& path) const;
};

/// The event as a JSON document, the shape webhooks, exec commands and the log receive:
/// {"event","node","master","facts","steps":[{"name","duration_ms","ok","error"}],
///  "failed_step","error","attempt","started_at","finished_at","duration_ms"}; times are
/// RFC 3339 UTC strings. `factNames` non-empty keeps only those facts (the config's
/// `facts:` list); empty keeps every fact the event carries.
Json toJson(const Event& event, const std::vector<std::string>& factNames = {});

/// Where events go: the Dispatcher (every notifier) in the provisioner, a recorder in
/// tests. publish() never blocks on delivery and never throws.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void publish(const Event& event) noexcept = 0;
};

/// An Event from the JSON toJson() writes (times read back from *_ms fields when present).
/// Throws std::invalid_argument naming the field that is missing or wrong.
Event eventFromJson(const Json& json);

}  // namespace drover::notifiers
