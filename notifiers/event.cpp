#include "notifiers/event.hpp"

#include <stdexcept>

#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

constexpr std::array<std::string_view, 5> kNames{"provisioned", "failed", "retried",
                                                 "waiting_too_long", "test"};

Json stepJson(const StepResult& step) {
  Json out = {{"name", step.name}, {"duration_ms", step.durationMs}, {"ok", step.ok}};
  if (!step.error.empty()) out["error"] = step.error;
  return out;
}

Json chosenFacts(const Json& facts, const std::vector<std::string>& names) {
  if (names.empty() || !facts.is_object()) return facts.is_object() ? facts : Json::object();
  Json out = Json::object();
  for (const auto& name : names) {
    if (auto it = facts.find(name); it != facts.end()) out[name] = *it;
  }
  return out;
}

template <typename T>
T field(const Json& json, const char* name, T fallback) {
  auto it = json.find(name);
  if (it == json.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throw std::invalid_argument(std::string("event field '") + name + "' has the wrong type");
  }
}

}  // namespace

std::string_view kindName(EventKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<EventKind> parseKind(std::string_view name) {
  for (auto kind : kAllKinds) {
    if (kindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::int64_t Event::durationMs() const {
  if (startedMs <= 0 || finishedMs <= 0 || finishedMs < startedMs) return 0;
  return finishedMs - startedMs;
}

std::optional<std::string> Event::fact(const std::string& path) const {
  const Json* at = &facts;
  std::size_t start = 0;
  // A flat key with dots wins over a nested path: facts files use both shapes.
  if (facts.is_object()) {
    if (auto it = facts.find(path); it != facts.end()) {
      at = &*it;
      start = std::string::npos;
    }
  }
  while (start != std::string::npos) {
    auto dot = path.find('.', start);
    auto key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
    start = dot == std::string::npos ? dot : dot + 1;
  }
  if (at->is_null()) return std::nullopt;
  return at->is_string() ? at->get<std::string>() : at->dump();
}

Json toJson(const Event& event, const std::vector<std::string>& factNames) {
  Json steps = Json::array();
  for (const auto& step : event.steps) steps.push_back(stepJson(step));
  Json out = {{"event", kindName(event.kind)},    {"node", event.node},
              {"master", event.master},           {"facts", chosenFacts(event.facts, factNames)},
              {"steps", std::move(steps)},        {"attempt", event.attempt},
              {"duration_ms", event.durationMs()}};
  if (!event.failedStep.empty()) out["failed_step"] = event.failedStep;
  if (!event.error.empty()) out["error"] = event.error;
  if (event.startedMs > 0) {
    out["started_at"] = rfc3339(event.startedMs);
    out["started_ms"] = event.startedMs;
  }
  if (event.finishedMs > 0) {
    out["finished_at"] = rfc3339(event.finishedMs);
    out["finished_ms"] = event.finishedMs;
  }
  return out;
}

Event eventFromJson(const Json& json) {
  if (!json.is_object()) throw std::invalid_argument("an event must be a JSON object");
  Event event;
  auto kind = parseKind(field<std::string>(json, "event", ""));
  if (!kind) throw std::invalid_argument("event field 'event' is missing or unknown");
  event.kind = *kind;
  event.node = field<std::string>(json, "node", "");
  event.master = field<std::string>(json, "master", "");
  event.facts = field<Json>(json, "facts", Json::object());
  for (const auto& step : field<Json>(json, "steps", Json::array())) {
    event.steps.push_back(StepResult{
        field<std::string>(step, "name", ""), field<std::int64_t>(step, "duration_ms", 0),
        field<bool>(step, "ok", true), field<std::string>(step, "error", "")});
  }
  event.failedStep = field<std::string>(json, "failed_step", "");
  event.error = field<std::string>(json, "error", "");
  event.attempt = field<int>(json, "attempt", 1);
  event.startedMs = field<std::int64_t>(json, "started_ms", 0);
  event.finishedMs = field<std::int64_t>(json, "finished_ms", 0);
  return event;
}

}  // namespace drover::notifiers
