// Example configs: generated from the tables, loadable as they are, and the committed
// etc/*.yaml are current. Regenerate those with DROVER_UPDATE_EXAMPLES=1 and this test.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/config/broker_config.hpp"
#include "core/config/client_config.hpp"
#include "core/config/example.hpp"
#include "core/config/loader.hpp"
#include "core/config/node_config.hpp"
#include "core/config/values.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

// Every option's value, as text, for comparing whole configs.
template <typename Config>
std::vector<std::string> values(Config& config) {
  std::vector<std::string> out;
  for (const auto& binding : Config::table().bind(config)) {
    out.push_back(binding.spec->key + "=" + formatValue(binding.field));
  }
  return out;
}

template <typename Config>
void expectExampleLoadsAsDefaults() {
  Config defaults{};
  Config loaded = loadText(Config::table(), exampleYaml(Config::table()), "example");
  EXPECT_EQ(values(loaded), values(defaults));
}

std::string readOrEmpty(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename Config>
void expectCommitted(const std::string& name) {
  std::string expected = exampleYaml(Config::table(), Config::kExampleHeading);
  auto file = std::filesystem::path(DROVER_SOURCE_DIR) / "etc" / name;
  if (std::getenv("DROVER_UPDATE_EXAMPLES") != nullptr) std::ofstream(file) << expected;
  EXPECT_EQ(readOrEmpty(file), expected)
      << file << " is out of date: run DROVER_UPDATE_EXAMPLES=1 ctest -R ConfigExample";
}

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
  expectExampleLoadsAsDefaults<ClientConfig>();
  expectExampleLoadsAsDefaults<BrokerConfig>();
  expectExampleLoadsAsDefaults<testing::Sample>();
}

TEST(ConfigExample, CommittedFilesAreCurrent) {
  expectCommitted<NodeConfig>("server.yaml");
  expectCommitted<ClientConfig>("client.yaml");
  expectCommitted<BrokerConfig>("broker.yaml");
}

}  // namespace
}  // namespace drover::config
