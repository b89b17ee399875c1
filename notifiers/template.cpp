#include "notifiers/template.hpp"

#include <algorithm>
#include <array>

#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

constexpr std::array<std::string_view, 7> kNames{"node",     "master",  "event",   "step",
                                                 "error",    "attempt", "duration"};
constexpr std::string_view kFactPrefix = "facts.";

bool known(const std::string& name) {
  if (name.size() > kFactPrefix.size() && name.compare(0, kFactPrefix.size(), kFactPrefix) == 0) {
    return true;
  }
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string orDash(std::string value) { return value.empty() ? "-" : value; }

std::string valueOf(const std::string& name, const Event& event) {
  if (name == "node") return orDash(event.node);
  if (name == "master") return orDash(event.master);
  if (name == "event") return std::string(kindName(event.kind));
  if (name == "step") return orDash(event.failedStep);
  if (name == "error") return orDash(event.error);
  if (name == "attempt") return std::to_string(event.attempt);
  if (name == "duration") return event.durationMs() > 0 ? formatDuration(event.durationMs()) : "-";
  return orDash(event.fact(name.substr(kFactPrefix.size())).value_or(""));
}

}  // namespace

Template Template::parse(const std::string& text) {
  Template out;
  out.text_ = text;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find("{{", pos);
    if (open == std::string::npos) {
      out.parts_.push_back(Part{false, text.substr(pos)});
      break;
    }
    if (open > pos) out.parts_.push_back(Part{false, text.substr(pos, open - pos)});
    auto close = text.find("}}", open + 2);
    if (close == std::string::npos) throw Error("'{{' is never closed by '}}'", open);
    std::string name = trim(text.substr(open + 2, close - open - 2));
    if (name.empty()) throw Error("empty placeholder '{{}}'", open);
    if (!known(name)) {
      throw Error("unknown placeholder '{{" + name +
                      "}}' (known: node, master, event, step, error, attempt, duration, "
                      "facts.NAME)",
                  open);
    }
    out.parts_.push_back(Part{true, name});
    pos = close + 2;
  }
  return out;
}

std::string Template::render(const Event& event) const {
  std::string out;
  for (const auto& part : parts_) out += part.placeholder ? valueOf(part.value, event) : part.value;
  return out;
}

const std::string& defaultTemplate(EventKind kind) {
  static const std::array<std::string, 5> kDefaults{
      "{{node}} provisioned via {{master}} in {{duration}}",
      "{{node}} failed to provision: step {{step}} failed (attempt {{attempt}}): {{error}}",
      "{{node}}: step {{step}} failed, retrying (attempt {{attempt}}): {{error}}",
      "{{node}} has been waiting {{duration}} to be provisioned",
      "Drover notification test from {{node}}: if you can read this, this notifier works",
  };
  return kDefaults[static_cast<std::size_t>(kind)];
}

const std::string& defaultSubject(EventKind kind) {
  static const std::array<std::string, 5> kSubjects{
      "[drover] {{node}} provisioned",
      "[drover] {{node}} failed at {{step}}",
      "[drover] {{node}} retrying {{step}}",
      "[drover] {{node}} waiting for {{duration}}",
      "[drover] notification test",
  };
  return kSubjects[static_cast<std::size_t>(kind)];
}

}  // namespace drover::notifiers
