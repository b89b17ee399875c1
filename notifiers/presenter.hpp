#pragma once
// Turns events into what a notifier sends: a Message with a subject and a plain-text body
// for people, and a JSON document for programs. A burst of events collected over a digest
// window becomes one Message whose first line sums it up:
//   "38 nodes provisioned in eu-west-1 in the last 60 s, 2 failed: web7 (sign: timeout), ..."
#include <chrono>
#include <string>
#include <vector>

#include "core/util/json.hpp"
#include "notifiers/config.hpp"
#include "notifiers/event.hpp"

namespace drover::notifiers {

struct Message {
  std::string id;       // unique; the same on every retry of this message
  std::string subject;  // one line
  std::string text;     // plain text, '\n' line ends
  Json document;        // the event (toJson), or {"event":"digest","summary",...,"events":[...]}
  std::size_t eventCount = 1;
  EventKind kind = EventKind::Test;  // of a single event; the most severe one of a digest
  bool digest = false;
};

class Presenter {
 public:
  explicit Presenter(const ChannelOptions& options) : options_(options) {}

  /// The message for one event.
  Message single(const Event& event) const;

  /// One message for `events` (at least two), collected over `window`.
  Message digest(const std::vector<Event>& events, std::chrono::milliseconds window) const;

  /// The body line for one event (its template, or the default).
  std::string line(const Event& event) const;

 private:
  const ChannelOptions& options_;
};

/// Most nodes a digest lists by name before "and N more".
inline constexpr std::size_t kDigestListed = 50;

}  // namespace drover::notifiers
