// `--version` on every program: the version and the commit the build was made from,
// so a bug report names what ran, and the first line in the form help2man reads.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::integration {
namespace {

// What the build should name: this tree's commit, "-modified" when tracked files differ.
std::string sourceCommit() {
  std::string head =
      testing::runChecked({"git", "-C", DROVER_SOURCE_DIR, "rev-parse", "--short=12", "HEAD"});
  head.erase(head.find_last_not_of('\n') + 1);
  return head;
}

TEST(Version, EveryProgramNamesItsVersionAndTheCommitItWasBuiltFrom) {
  const std::string commit = sourceCommit();
  for (std::string program :
       {"droverd", "drover", "drover-broker", "drover-provisioner", "drover-member"}) {
    SCOPED_TRACE(program);
    std::string out = testing::runChecked({testing::binary(program).string(), "--version"});
    EXPECT_THAT(out, ::testing::MatchesRegex(program + " [0-9]+\\.[0-9]+\\.[0-9]+\n"
                                                       "commit [0-9a-f]{12}(-modified)?\n"));
    EXPECT_THAT(out, ::testing::HasSubstr("\ncommit " + commit)) << "built from another commit";
  }
}

}  // namespace
}  // namespace drover::integration
