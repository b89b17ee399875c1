#include "notifiers/placeholders.hpp"

#include <array>

#include "notifiers/text.hpp"

namespace drover::notifiers {

templating::Template parseTemplate(const std::string& text) {
  static const templating::Names kNames{
      {"node", "master", "event", "step", "error", "attempt", "duration"}, {"facts"}};
  return templating::Template::parse(text, kNames);
}

std::string renderFor(const templating::Template& tmpl, const Event& event) {
  return tmpl.renderText(placeholderValues(event), templating::Unset::Dash);
}

Json placeholderValues(const Event& event) {
  Json values{{"node", event.node},
              {"master", event.master},
              {"event", std::string(kindName(event.kind))},
              {"step", event.failedStep},
              {"error", event.error},
              {"attempt", event.attempt},
              {"facts", event.facts}};
  if (event.durationMs() > 0) values["duration"] = formatDuration(event.durationMs());
  return values;
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
      "[drover] {{node}} provisioned",       "[drover] {{node}} failed at {{step}}",
      "[drover] {{node}} retrying {{step}}", "[drover] {{node}} waiting for {{duration}}",
      "[drover] notification test",
  };
  return kSubjects[static_cast<std::size_t>(kind)];
}

}  // namespace drover::notifiers
