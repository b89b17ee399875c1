#pragma once
// Message text with placeholders over an event: "{{node}} provisioned via {{master}}".
// Placeholders: node, master, event, step, error, attempt, duration, and facts.NAME
// (facts.cloud.region reaches into nested facts). A value that is missing or empty
// renders as "-", so a line never reads "failed at : ". Unknown placeholders are refused
// when the template is parsed (at config load), not discovered when a node fails.
#include <stdexcept>
#include <string>
#include <vector>

#include "notifiers/event.hpp"

namespace drover::notifiers {

class Template {
 public:
  class Error : public std::runtime_error {
   public:
    Error(const std::string& message, std::size_t offset)
        : std::runtime_error(message), offset_(offset) {}
    /// Byte offset in the template text where the problem starts.
    std::size_t offset() const { return offset_; }

   private:
    std::size_t offset_;
  };

  Template() = default;

  /// Throws Template::Error for an unclosed "{{", an empty or unknown placeholder.
  static Template parse(const std::string& text);

  std::string render(const Event& event) const;
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  struct Part {
    bool placeholder = false;
    std::string value;  // literal text, or the placeholder name
  };
  std::string text_;
  std::vector<Part> parts_;
};

/// The template used when the config gives none for `kind` (chat and mail body line).
const std::string& defaultTemplate(EventKind kind);

/// The default subject of a per-event mail about `kind`.
const std::string& defaultSubject(EventKind kind);

}  // namespace drover::notifiers
