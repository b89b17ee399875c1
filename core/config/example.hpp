#pragma once
// Commented example configs generated from an option table (etc/server.yaml and friends),
// so the shipped examples list every key with its real default and cannot drift.
#include <string>
#include <vector>

#include "core/config/option_table.hpp"

namespace drover::config {

/// YAML for `fields` as they stand: a comment block `heading` (may be empty), then per
/// option its description, what it accepts and its flag as comments, then the key and
/// value, nested under its section. Options whose default is only documented
/// (shownDefault) are commented out, so the file as written changes nothing.
std::string exampleYaml(const std::vector<Binding>& fields, const std::string& heading);

/// The example for a table with every option at its default.
template <typename Config>
std::string exampleYaml(const Table<Config>& table, const std::string& heading = "") {
  Config defaults{};
  return exampleYaml(table.bind(defaults), heading);
}

}  // namespace drover::config
