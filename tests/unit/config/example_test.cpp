// Example configs: generated from the tables, loadable as they are, and the committed
// etc/*.yaml are current. Regenerate those with DROVER_UPDATE_EXAMPLES=1 and this test.
#include <gtest/gtest.h>

#include "core/config/example.hpp"
#include "core/config/node_config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

using testing::expectCommittedExample;
using testing::expectExampleLoadsAsDefaults;

TEST(ConfigExample, ListsEveryKeyWithDescriptionAcceptsAndFlag) {
  std::string text = exampleYaml(NodeConfig::table(), "heading line");
  EXPECT_EQ(text.rfind("# heading line\n", 0), 0u) << text;
  EXPECT_NE(text.find("# Threads that run agent actions.\n"
                      "# Accepts an integer between 1 and 256.\n"
                      "# Flag: --workers.\n"
                      "workers: 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nbroker:\n  # Broker ingress, where this node publishes.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  publish: tcp://127.0.0.1:7301\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# Default: the host name. Flag: --identity.\n# identity:\n"),
            std::string::npos)
      << text;
  for (const auto* spec : NodeConfig::table().specs()) {
    auto leaf = spec->key.substr(spec->key.rfind('.') + 1);
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << spec->key;
    EXPECT_NE(text.find(spec->description), std::string::npos) << spec->key;
  }
}

TEST(ConfigExample, ExamplesLoadBackToTheDefaults) {
  expectExampleLoadsAsDefaults<NodeConfig>();
  expectExampleLoadsAsDefaults<testing::Sample>();
}

TEST(ConfigExample, CommittedFilesAreCurrent) {
  expectCommittedExample<NodeConfig>("server.yaml", "ConfigExample");
}

}  // namespace
}  // namespace drover::config
