#pragma once
// The command-line half of a configuration: --config FILE plus one flag per option of a
// table. CLI11 stores each flag's raw text here; apply() converts it with the table's own
// checks, so a flag and its file key accept exactly the same values. Flags win.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/config/diagnostics.hpp"
#include "core/config/option_table.hpp"
#include "core/config/values.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace drover::config {

class CliOverrides {
 public:
  /// No flags: loading then reads only the file.
  CliOverrides() = default;

  /// Flags for every option of `table`. `defaultFile` is read when --config is not given
  /// and the file exists (/etc/drover/server.yaml).
  template <typename Config>
  explicit CliOverrides(const Table<Config>& table, std::filesystem::path defaultFile = {})
      : defaultFile_(std::move(defaultFile)) {
    Config defaults{};
    for (const auto& binding : table.bind(defaults)) {
      const OptionSpec& spec = *binding.spec;
      flags_.push_back(
          Flag{spec, spec.shownDefault.empty() ? formatValue(binding.field) : spec.shownDefault});
    }
  }

  // The flags registered by addFlags() write into this object.
  CliOverrides(const CliOverrides&) = delete;
  CliOverrides& operator=(const CliOverrides&) = delete;

  /// Registers -c,--config FILE and every option's flag on `app` (--help lists each with
  /// its description and default). This object must outlive app.parse().
  /// Throws CLI::OptionAlreadyAdded when one of these flags is already on `app`.
  void addFlags(CLI::App& app);

  /// The file to read: the --config argument, else the default file when it exists,
  /// else empty (no file).
  std::filesystem::path configFile() const;

  /// Converts each flag that was given and stores it into `fields`. Problems go to `diag`
  /// as "--workers: expected an integer between 1 and 256, got 'x'", and each flag set
  /// becomes its key's origin. Does not throw (except std::bad_alloc).
  void apply(const std::vector<Binding>& fields, Diagnostics& diag) const;

 private:
  struct Flag {
    OptionSpec spec;
    std::string shownDefault;
  };

  void addFlag(CLI::App& app, const Flag& flag);

  std::vector<Flag> flags_;
  std::filesystem::path defaultFile_;
  std::filesystem::path configArg_;
  std::map<std::string, std::vector<std::string>> given_;  // key -> raw texts of its flag
};

}  // namespace drover::config
