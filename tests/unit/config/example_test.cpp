// Example configs generated from a table: every key with its description, what it
// accepts and its flag, nested under its section, and loadable as they are. Each
// program's tests check its committed etc/*.yaml (expectCommittedExample).
#include <gtest/gtest.h>

#include "core/config/example.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace drover::config {
namespace {

TEST(ConfigExample, ListsEveryKeyWithDescriptionAcceptsAndFlag) {
  std::string text = exampleYaml(testing::Sample::table(), "heading line");
  EXPECT_EQ(text.rfind("# heading line\n", 0), 0u) << text;
  EXPECT_NE(text.find("# How many.\n"
                      "# Accepts an integer between 1 and 256.\n"
                      "# Flag: --count.\n"
                      "count: 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nouter:\n  # Nested.\n  # Flag: --outer-inner.\n  inner: deep\n"),
            std::string::npos)
      << text;
  for (const auto* spec : testing::Sample::table().specs()) {
    auto leaf = spec->key.substr(spec->key.rfind('.') + 1);
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << spec->key;
    EXPECT_NE(text.find(spec->description), std::string::npos) << spec->key;
  }
}

TEST(ConfigExample, ExamplesLoadBackToTheDefaults) {
  testing::expectExampleLoadsAsDefaults<testing::Sample>();
}

}  // namespace
}  // namespace drover::config
