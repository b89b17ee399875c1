#include "provisioner/notifier.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace drover::provisioner {

std::string toString(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::Provisioned: return "provisioned";
    case Event::Kind::Failed: return "failed";
    case Event::Kind::Retried: return "retried";
    case Event::Kind::WaitingTooLong: return "waiting_too_long";
  }
  return "?";
}

Json toJson(const Event& event) {
  Json steps = Json::array();
  for (const auto& step : event.steps) {
    steps.push_back({{"name", step.name}, {"duration_ms", step.durationMs}, {"ok", step.ok},
                     {"error", step.error}});
  }
  return Json{{"event", toString(event.kind)}, {"node", event.node},     {"master", event.master},
              {"step", event.step},            {"attempt", event.attempt}, {"message", event.message},
              {"time_ms", event.timeMs},       {"duration_ms", event.durationMs},
              {"facts", event.facts},          {"steps", steps}};
}

LogNotifier::LogNotifier(const std::filesystem::path& file) {
  if (file.empty()) {
    out_ = stdout;
    return;
  }
  out_ = std::fopen(file.c_str(), "ae");
  if (out_ == nullptr) {
    throw std::runtime_error("cannot open events file " + file.string() + ": " +
                             std::strerror(errno));
  }
  owned_ = true;
}

LogNotifier::~LogNotifier() {
  if (owned_) std::fclose(out_);
}

void LogNotifier::deliver(const Event& event) noexcept {
  try {
    Json line = toJson(event);
    line.erase("facts");  // a log line per event; facts and steps are in the state database
    line.erase("steps");
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
  } catch (...) {
    // A notifier never fails provisioning.
  }
}

}  // namespace drover::provisioner
