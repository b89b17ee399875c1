#pragma once
// Scratch files, command lines and a sample config with one option of every type, for
// the config tests; loading and example checks shared by each program's config tests.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <vector>
#include "testing/process.hpp"

#include <stdlib.h>

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "core/config/checks.hpp"
#include "core/config/cli_overrides.hpp"
#include "core/config/example.hpp"
#include "core/config/loader.hpp"
#include "core/config/option_table.hpp"
#include "core/config/values.hpp"

namespace drover::config::testing {

// Scratch directories come from the shared test support library.
using ScratchDir = ::drover::testing::TempDir;

// Parses `args` (without the program name) as the command line of `app`.
inline void parseArgs(CLI::App& app, std::vector<std::string> args) {
  args.insert(args.begin(), "test");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

// The message of the config::Error thrown by `load`, or "" when it throws none.
template <typename Load>
std::string errorOf(Load&& load) {
  try {
    load();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Loads `yaml`, written as `name` in `dir`, with the flags in `args`, through Config::load.
template <typename Config>
Config loadWith(const ScratchDir& dir, const std::string& name, const std::string& yaml,
                std::vector<std::string> args) {
  auto path = dir.write(name, yaml).string();
  CLI::App app;
  CliOverrides cli(Config::table());
  cli.addFlags(app);
  parseArgs(app, std::move(args));
  return Config::load(path, cli);
}

// Every option's value, as text, for comparing whole configs.
template <typename Config>
std::vector<std::string> values(Config& config) {
  std::vector<std::string> out;
  for (const auto& binding : Config::table().bind(config)) {
    out.push_back(binding.spec->key + "=" + formatValue(binding.field));
  }
  return out;
}

// The example generated from Config's table loads back to Config's defaults.
template <typename Config>
void expectExampleLoadsAsDefaults() {
  Config defaults{};
  Config loaded = loadText(Config::table(), exampleYaml(Config::table()), "example");
  EXPECT_EQ(values(loaded), values(defaults));
}

// etc/`name` is the example generated from Config's table. With DROVER_UPDATE_EXAMPLES
// set, `test` (the ctest name pattern of the caller) rewrites it.
template <typename Config>
void expectCommittedExample(const std::string& name, const std::string& test) {
  std::string expected = exampleYaml(Config::table(), Config::kExampleHeading);
  auto file = std::filesystem::path(DROVER_SOURCE_DIR) / "etc" / name;
  if (std::getenv("DROVER_UPDATE_EXAMPLES") != nullptr) std::ofstream(file) << expected;
  std::ifstream in(file);
  std::ostringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), expected)
      << file << " is out of date: run DROVER_UPDATE_EXAMPLES=1 ctest -R " << test;
}

struct Sample {
  std::string name = "sample";
  int count = 4;
  bool verbose = false;
  double ratio = 0.5;
  std::chrono::milliseconds quiet{150};
  std::chrono::seconds ttl{60};
  std::vector<std::string> endpoints{"tcp://127.0.0.1:7301"};
  std::filesystem::path dir = "/var/lib/sample";
  std::string outerInner = "deep";
  std::string outerOther;

  static const Table<Sample>& table() {
    static const Table<Sample> kTable = [] {
      Table<Sample> t;
      t.add("name", &Sample::name, "A name").checkedBy(checks::identity());
      t.add("count", &Sample::count, "How many").between(1, 256);
      t.add("verbose", &Sample::verbose, "Say more");
      t.add("ratio", &Sample::ratio, "A fraction").between(0, 1);
      t.add("quiet", &Sample::quiet, "Quiet window").between(1, 60000);
      t.add("ttl", &Sample::ttl, "Time to live").between(0, 86400);
      t.add("endpoints", &Sample::endpoints, "Where to go").checkedBy(checks::endpoint());
      t.add("dir", &Sample::dir, "Where to keep things");
      t.add("outer.inner", &Sample::outerInner, "Nested");
      t.add("outer.other", &Sample::outerOther, "Nested too");
      return t;
    }();
    return kTable;
  }
};

}  // namespace drover::config::testing
