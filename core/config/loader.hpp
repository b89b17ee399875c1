#pragma once
// Putting a configuration together: defaults from the struct, then the file, then the
// flags, then the table's finishers (derived defaults and rules spanning several keys).
#include <filesystem>
#include <string>

#include "core/config/cli_overrides.hpp"
#include "core/config/diagnostics.hpp"
#include "core/config/option_table.hpp"
#include "core/config/yaml_reader.hpp"

namespace drover::config {

/// Builds a Config from its in-class defaults, `file` (none when empty) and the flags in
/// `cli`. Throws Error listing every problem found, one per line, each naming
/// file:line:column or the flag, and the key.
template <typename Config>
Config load(const Table<Config>& table, const std::filesystem::path& file,
            const CliOverrides& cli) {
  Config config;
  Diagnostics diag;
  auto fields = table.bind(config);
  if (!file.empty()) readYamlFile(file, fields, diag);
  cli.apply(fields, diag);
  // Cross-key rules on half-read values would only repeat the problems above.
  if (diag.empty()) table.finish(config, diag);
  diag.throwIfAny();
  return config;
}

/// The same from YAML text in memory; `name` stands for the file in messages.
/// Throws Error as load() does.
template <typename Config>
Config loadText(const Table<Config>& table, const std::string& text, const std::string& name) {
  Config config;
  Diagnostics diag;
  readYamlText(text, name, table.bind(config), diag);
  if (diag.empty()) table.finish(config, diag);
  diag.throwIfAny();
  return config;
}

}  // namespace drover::config
