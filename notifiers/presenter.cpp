#include "notifiers/presenter.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "notifiers/placeholders.hpp"
#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

// The words a digest uses for the nodes of each kind, in the order they are listed.
struct KindWords {
  EventKind kind;
  const char* verb;
};
constexpr std::array<KindWords, 5> kOrder{{{EventKind::Provisioned, "provisioned"},
                                           {EventKind::Failed, "failed"},
                                           {EventKind::Retried, "retrying"},
                                           {EventKind::WaitingTooLong, "waiting too long"},
                                           {EventKind::Test, "test messages"}}};

constexpr std::size_t kFailuresInSummary = 5;

std::string newMessageId() { return randomHex(16); }

// "60 s", "90 s", "5 min": how long a window was, as an operator set it.
std::string windowText(std::chrono::milliseconds window) {
  auto ms = window.count();
  if (ms >= 120'000 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + " min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return formatDuration(ms);
}

// " in eu-west-1", " in eu-west-1 and us-east-1", " in 4 regions", or "" when no event
// has the fact.
std::string placeOf(const std::vector<Event>& events, const std::string& fact) {
  if (fact.empty()) return "";
  std::map<std::string, std::size_t> places;
  for (const auto& event : events) {
    if (auto value = event.fact(fact)) ++places[*value];
  }
  if (places.empty()) return "";
  if (places.size() == 1) return " in " + places.begin()->first;
  if (places.size() == 2) return " in " + places.begin()->first + " and " + places.rbegin()->first;
  std::string noun = fact.substr(fact.rfind('.') + 1);
  return " in " + std::to_string(places.size()) + " " + noun + (noun.ends_with('s') ? "" : "s");
}

std::string failureNote(const Event& event) {
  std::string note = event.node.empty() ? "-" : event.node;
  if (!event.failedStep.empty() || !event.error.empty()) {
    note += " (" + (event.failedStep.empty() ? "" : event.failedStep + ": ") +
            (event.error.empty() ? "failed" : event.error) + ")";
  }
  return note;
}

EventKind mostSevere(const std::vector<Event>& events) {
  constexpr std::array<EventKind, 5> kSeverity{EventKind::Failed, EventKind::WaitingTooLong,
                                               EventKind::Retried, EventKind::Provisioned,
                                               EventKind::Test};
  for (auto kind : kSeverity) {
    if (std::any_of(events.begin(), events.end(),
                    [kind](const Event& e) { return e.kind == kind; }))
      return kind;
  }
  return EventKind::Test;
}

}  // namespace

std::string Presenter::line(const Event& event) const {
  if (auto it = options_.templates.find(event.kind); it != options_.templates.end()) {
    return renderFor(it->second, event);
  }
  return renderFor(parseTemplate(defaultTemplate(event.kind)), event);
}

Message Presenter::single(const Event& event) const {
  Message message;
  message.id = newMessageId();
  message.kind = event.kind;
  message.text = line(event);
  message.subject = renderFor(
      options_.subject ? *options_.subject : parseTemplate(defaultSubject(event.kind)), event);
  message.document = toJson(event, options_.facts);
  message.document["text"] = message.text;
  return message;
}

Message Presenter::digest(const std::vector<Event>& events,
                          std::chrono::milliseconds window) const {
  std::map<EventKind, std::vector<const Event*>> byKind;
  for (const auto& event : events) byKind[event.kind].push_back(&event);

  // "38 nodes provisioned in eu-west-1 in the last 60 s, 2 failed, 1 retrying"
  std::string counts;
  for (const auto& words : kOrder) {
    auto it = byKind.find(words.kind);
    if (it == byKind.end()) continue;
    if (counts.empty()) {
      counts = countOf(it->second.size(), "node", "nodes") + " " + words.verb +
               placeOf(events, options_.digestGroupBy) + " in the last " + windowText(window);
    } else {
      counts += ", " + std::to_string(it->second.size()) + " " + words.verb;
    }
  }
  std::string summary = counts;
  if (auto failed = byKind.find(EventKind::Failed); failed != byKind.end()) {
    summary += ": ";
    for (std::size_t i = 0; i < failed->second.size() && i < kFailuresInSummary; ++i) {
      summary += (i == 0 ? "" : ", ") + failureNote(*failed->second[i]);
    }
    if (failed->second.size() > kFailuresInSummary) {
      summary += " and " + std::to_string(failed->second.size() - kFailuresInSummary) + " more";
    }
  }

  Message message;
  message.id = newMessageId();
  message.digest = true;
  message.eventCount = events.size();
  message.kind = mostSevere(events);
  message.subject = "[drover] " + counts;
  message.text = summary + "\n";
  Json list = Json::array();
  for (std::size_t i = 0; i < events.size(); ++i) {
    list.push_back(toJson(events[i], options_.facts));
    if (i < kDigestListed) message.text += "\n" + line(events[i]);
  }
  if (events.size() > kDigestListed) {
    message.text += "\n... and " + std::to_string(events.size() - kDigestListed) + " more";
  }
  message.document = {{"event", "digest"},           {"summary", summary},
                      {"window_ms", window.count()}, {"count", events.size()},
                      {"events", std::move(list)},   {"text", message.text}};
  return message;
}

}  // namespace drover::notifiers
