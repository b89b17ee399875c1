// pluginDoc(): `drover plugin doc AGENT` text.
#include "core/ddl/plugin_doc.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/ddl/loader.hpp"

namespace drover::ddl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::filesystem::path kSourceDir = DROVER_SOURCE_DIR;

TEST(DdlPluginDoc, RpcutilMetadataActionsAndInputs) {
  std::string doc = pluginDoc(loadFile(kSourceDir / "ddl/rpcutil.json"));
  EXPECT_THAT(doc, StartsWith("rpcutil\n=======\n\n"));
  EXPECT_THAT(doc, HasSubstr("      Author: Drover maintainers\n"));
  EXPECT_THAT(doc, HasSubstr("     Timeout: 5\n"));
  EXPECT_THAT(doc, HasSubstr("ACTIONS:\n========\n   ping, inventory, get_fact, get_facts, "
                             "agent_inventory, collective_info, daemon_stats\n"));
  EXPECT_THAT(doc, HasSubstr("   get_fact action:\n   ----------------\n"));
  EXPECT_THAT(doc, HasSubstr("           fact:\n"
                             "              Description: The fact to retrieve"));
  EXPECT_THAT(doc, HasSubstr("                     Type: string\n"
                             "                 Optional: false\n"
                             "               Validation: ^[\\w\\-\\.:]+$\n"
                             "               Max Length: 256\n"));
  EXPECT_THAT(doc, HasSubstr("           This action does not have any inputs\n"));
  EXPECT_THAT(doc, HasSubstr("           pong:\n"
                             "              Description: The local time of the node"));
  EXPECT_THAT(doc, HasSubstr("               Display As: Timestamp\n"
                             "                     Type: integer\n"));
  EXPECT_THAT(doc, HasSubstr("       AGGREGATES:\n           summary(value)\n"));
}

TEST(DdlPluginDoc, ChoriaPuppetAndPackageDetails) {
  const auto dir = kSourceDir / "tests/unit/ddl/data/choria";
  std::string puppet = pluginDoc(loadFile(dir / "puppet.json"));
  EXPECT_THAT(puppet, HasSubstr("                   Prompt: Parse log from last_run_report.yaml\n"
                                "                     Type: boolean\n"
                                "                 Optional: true\n"
                                "                  Default: false\n"));
  EXPECT_THAT(puppet, HasSubstr("               Validation: puppet_server_address\n"));
  EXPECT_THAT(puppet, HasSubstr("average(total_time, {\"format\":\"Average: %0.2f\"})"));
  EXPECT_THAT(puppet,
              HasSubstr(R"(boolean_summary(enabled, {"false":"disabled","true":"enabled"}))"));
  EXPECT_THAT(puppet, HasSubstr("       Display: failed\n"));
  EXPECT_THAT(puppet, Not(HasSubstr("Provider:")));
  std::string package = pluginDoc(loadFile(dir / "package.json"));
  EXPECT_THAT(package, HasSubstr("                     Type: list\n"));
  EXPECT_THAT(package, HasSubstr("                   Values: all, headers, packages, metadata, "
                                 "dbcache, plugins, expire-cache\n"));
  std::string scout = pluginDoc(loadFile(dir / "scout.json"));
  EXPECT_THAT(scout, HasSubstr("    Provider: golang\n"));
  EXPECT_THAT(scout, Not(HasSubstr("WARNINGS:")));
}

TEST(DdlPluginDoc, LoadWarningsComeLast) {
  Ddl ddl = loadFile(kSourceDir / "tests/unit/ddl/data/choria/choria_provision.json");
  std::string doc = pluginDoc(ddl);
  EXPECT_THAT(doc, HasSubstr("       OU:\n              Description: Organizational Unit\n"));
  std::size_t at = doc.find("WARNINGS:\n=========\n");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(at, doc.find("shutdown action:"));
  EXPECT_THAT(doc.substr(at), HasSubstr("\n   " + ddl.source +
                                        ": actions[0].input.token.default: \"\" breaks the "
                                        "input's own rule (input 'token' fails validation "
                                        "'regex': does not match /./)"));
}

}  // namespace
}  // namespace drover::ddl
