#pragma once
// Notification texts are templates (core/templating/template.hpp) over one event:
//   "{{node}} provisioned via {{master}}", "[drover] {{node}} failed at {{step}}".
// Names: node, master, event, step, error, attempt, duration, and facts.NAME
// (facts.cloud.region reaches into nested facts). A value that is missing or empty
// renders as "-", so a line never reads "failed at : ". Other names are refused when the
// template is parsed (at config load), not discovered when a node fails.
#include <string>

#include "core/templating/template.hpp"
#include "core/util/json.hpp"
#include "notifiers/event.hpp"

namespace drover::notifiers {

/// Parses a notification template. Throws templating::Error (with the offset) for a
/// syntax error or an unknown name.
templating::Template parseTemplate(const std::string& text);

/// `tmpl` rendered for `event`; missing and empty values as "-".
std::string renderFor(const templating::Template& tmpl, const Event& event);

/// What the names stand for in `event` (the context templates are rendered against);
/// duration is absent while unknown.
Json placeholderValues(const Event& event);

/// The template used when the config gives none for `kind` (chat and mail body line).
const std::string& defaultTemplate(EventKind kind);

/// The default subject of a per-event mail about `kind`.
const std::string& defaultSubject(EventKind kind);

}  // namespace drover::notifiers
