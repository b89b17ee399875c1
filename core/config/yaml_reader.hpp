#pragma once
// Reads a YAML config file into the fields of an option table. Nested maps and dotted
// keys are the same thing: `broker: {publish: X}` and `broker.publish: X` both set
// broker.publish (setting it both ways is a duplicate).
#include <filesystem>
#include <string>
#include <vector>

#include "core/config/diagnostics.hpp"
#include "core/config/option_table.hpp"

namespace drover::config {

/// Reads `file` into `fields`. Every problem (unreadable file, YAML syntax error, unknown
/// key with a suggestion, duplicate key, value of the wrong type or out of range) is
/// recorded in `diag` with file:line:column and the key, and reading goes on; where each
/// key was set is recorded too. Does not throw (except std::bad_alloc).
void readYamlFile(const std::filesystem::path& file, const std::vector<Binding>& fields,
                  Diagnostics& diag);

/// The same for YAML text in memory; `name` stands for the file in messages.
void readYamlText(const std::string& text, const std::string& name,
                  const std::vector<Binding>& fields, Diagnostics& diag);

}  // namespace drover::config
