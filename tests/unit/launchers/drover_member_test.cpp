// drover-member refuses to run its program anywhere but in the member's namespaces: any
// failure before the exec ends it with the reason, and the program never starts.
#include <gtest/gtest.h>

#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

util::SubprocessResult runMember(std::vector<std::string> args) {
  args.insert(args.begin(), DROVER_MEMBER);
  return util::runProcess(args, "", 30s);
}

TEST(DroverMember, AMissingNamespaceStopsItBeforeTheProgramRuns) {
  testing::TempDir dir;
  const fs::path marker = dir / "ran";
  auto result = runMember({"--netns", "drover-no-such-namespace", "--root", dir.path().string(),
                           "--hostname", "shop-db-0", "--", "/usr/bin/touch", marker.string()});
  EXPECT_EQ(result.exitCode, 127);
  EXPECT_NE(result.err.find("join network namespace /run/netns/drover-no-such-namespace"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists(marker));
}

TEST(DroverMember, BadArgumentsAreNamed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--netns", "n", "--root", "/tmp", "--hostname", "h"}, "no program after --"},
      {{"--root", "/tmp", "--hostname", "h", "--", "/bin/true"}, "missing --netns"},
      {{"--netns", "n", "--root", "/tmp", "--hostname", "h", "--volume", "nfs", "a", "/b", "--",
        "/bin/true"},
       "volume kind 'nfs'"},
      {{"--netns", "n", "--root", "tmp", "--hostname", "h", "--", "/bin/true"},
       "--root must be an absolute path"},
      {{"--bogus"}, "unknown argument '--bogus'"}};
  for (const auto& [args, message] : cases) {
    auto result = runMember(args);
    EXPECT_EQ(result.exitCode, 127);
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace drover::launchers
