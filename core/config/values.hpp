#pragma once
// Text to typed field and back, shared by the YAML reader and the flag overlay so that a
// key in the file and its flag accept exactly the same values. None of these throw
// except on allocation failure: a bad value comes back as a complaint to report.
#include <string>
#include <vector>

#include "core/config/option_table.hpp"

namespace drover::config {

/// What a value of this option must look like: "an integer between 1 and 256".
std::string expectation(const OptionSpec& spec);

/// Parses `text` and stores it in `field` (a list option gets a one-item list, or an
/// empty one for empty text). Returns "" on success, else the complaint, as in
/// "expected an integer between 1 and 256, got 'many'"; the field is then untouched.
std::string assignText(const OptionSpec& spec, const FieldRef& field, const std::string& text);

/// Checks one item of a list option. Returns "" or the complaint about that item.
std::string checkItem(const OptionSpec& spec, const std::string& item);

/// Stores the items of a list option. Returns "" or the complaint about the first bad
/// item; the field is then untouched. A non-list option takes exactly one item.
std::string assignList(const OptionSpec& spec, const FieldRef& field,
                       const std::vector<std::string>& items);

/// The complaint for a value of the wrong shape: "expected true or false, got a map".
std::string wrongShape(const OptionSpec& spec, const std::string& got);

/// The field's value as YAML text: 4, tcp://127.0.0.1:7301, "", [a, b].
std::string formatValue(const FieldRef& field);

}  // namespace drover::config
