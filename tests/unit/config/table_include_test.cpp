// A table included in another (Table::include): a part's options are read from the
// host's file and flags, in place, with the part's checks, finishers and messages.
#include <gtest/gtest.h>

#include "core/config/example.hpp"
#include "core/config/loader.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

using testing::errorOf;
using testing::parseArgs;
using testing::ScratchDir;

// Settings declared apart from the program that reads them, as a built-in agent's are.
struct Part {
  std::string command = "tool";
  int retries = 2;
  std::string derived;  // filled by the part's finisher

  static const Table<Part>& table() {
    static const Table<Part> kTable = [] {
      Table<Part> t;
      t.add("tool.command", &Part::command, "The tool");
      t.add("tool.retries", &Part::retries, "Tries after a failure").between(0, 9);
      t.finishWith([](Part& part, Diagnostics& diag) {
        part.derived = part.command + "/" + std::to_string(part.retries);
        if (part.command == "forbidden") diag.badValue("tool.command", "is forbidden");
      });
      return t;
    }();
    return kTable;
  }
};

struct Host {
  std::string name = "host";
  Part part;
  int workers = 4;

  static const Table<Host>& table() {
    static const Table<Host> kTable = [] {
      Table<Host> t;
      t.add("name", &Host::name, "A name");
      t.include(&Host::part, Part::table());
      t.add("workers", &Host::workers, "Threads").between(1, 8);
      return t;
    }();
    return kTable;
  }
};

class ConfigInclude : public ::testing::Test {
 protected:
  Host load(const std::string& yaml, std::vector<std::string> args = {}) {
    CLI::App app;
    CliOverrides cli(Host::table());
    cli.addFlags(app);
    parseArgs(app, std::move(args));
    return config::load(Host::table(), dir_.write("host.yaml", yaml), cli);
  }

  ScratchDir dir_;
  const std::string file_ = (dir_.path() / "host.yaml").string();
};

TEST_F(ConfigInclude, KeepsTheOrderOfTheHostTable) {
  std::vector<std::string> keys;
  for (const auto* spec : Host::table().specs()) keys.push_back(spec->key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "tool.command", "tool.retries", "workers"}));
}

TEST_F(ConfigInclude, FileAndFlagsFillThePart) {
  Host host = load("tool:\n  command: /opt/tool\nworkers: 2\n", {"--tool-retries", "5"});
  EXPECT_EQ(host.part.command, "/opt/tool");
  EXPECT_EQ(host.part.retries, 5);
  EXPECT_EQ(host.workers, 2);
  EXPECT_EQ(host.part.derived, "/opt/tool/5");
}

TEST_F(ConfigInclude, PartProblemsNameFileLineAndKey) {
  EXPECT_EQ(errorOf([&] { load("name: a\ntool.retries: 10\n"); }),
            file_ + ":2:15: key 'tool.retries': expected an integer between 0 and 9, got '10'");
  EXPECT_EQ(errorOf([&] { load("tool:\n  comand: x\n"); }),
            file_ + ":2:3: unknown key 'tool.comand' (did you mean 'tool.command'?)");
  EXPECT_EQ(errorOf([&] { load("tool.command: forbidden\n"); }),
            file_ + ":1:1: key 'tool.command': is forbidden");
}

TEST_F(ConfigInclude, ExampleNestsThePartAndLoadsBack) {
  std::string text = exampleYaml(Host::table());
  EXPECT_NE(text.find("name: host\n\ntool:\n  # The tool.\n  # Flag: --tool-command.\n"
                      "  command: tool\n"),
            std::string::npos)
      << text;
  Host loaded = loadText(Host::table(), text, "example");
  EXPECT_EQ(loaded.part.command, "tool");
  EXPECT_EQ(loaded.part.retries, 2);
}

}  // namespace
}  // namespace drover::config
