// drover-provisioner's flows at start: flow_file's and deployments.flow_files', each known
// by its name. Two of one name cannot be told apart by the pools that name them, so the
// start is refused (exit 2) naming both files; a flow file that does not parse is named
// with its line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const char* kFlow = R"(name: twin
steps:
  - name: notify
    notify: provisioned
)";

util::SubprocessResult startWith(const testing::TempDir& dir, const std::string& flowFile,
                                 const std::string& more) {
  return util::runProcess({testing::binary("drover-provisioner").string(), "--security-enabled",
                           "false", "--state-db", (dir / "state.db").string(), "--metrics-listen",
                           "", "--flow-file", flowFile, "--deployments-flow-files", more},
                          "", 30s);
}

TEST(ProvisionerFlowFiles, TwoFlowsOfOneNameAreRefusedNamingBothFiles) {
  testing::TempDir dir;
  auto first = dir.write("first.yaml", kFlow);
  auto second = dir.write("second.yaml", kFlow);
  auto result = startWith(dir, first.string(), second.string());
  EXPECT_EQ(result.exitCode, 2) << result.out << result.err;
  EXPECT_THAT(result.err,
              HasSubstr(second.string() + ": flow 'twin' has the name of " + first.string()))
      << result.err;
}

TEST(ProvisionerFlowFiles, ABrokenDeploymentFlowIsNamedWithItsLine) {
  testing::TempDir dir;
  auto first = dir.write("first.yaml", kFlow);
  auto broken = dir.write("broken.yaml", "name: other\nsteps:\n  - name: x\n    agent: [a]\n");
  auto result = startWith(dir, first.string(), broken.string());
  EXPECT_EQ(result.exitCode, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr(broken.string() + ":4:")) << result.err;
}

}  // namespace
}  // namespace drover::integration
