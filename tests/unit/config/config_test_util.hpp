#pragma once
// Scratch files, command lines and a sample config with one option of every type, for
// the config tests.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/support/process.hpp"
#include <vector>

#include <stdlib.h>

#include <CLI/CLI.hpp>

#include "core/config/checks.hpp"
#include "core/config/option_table.hpp"

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
