#pragma once
// What a build is: Drover's version and the commit it was built from, for --version,
// the node's inventory and bug reports. The definitions are generated at every build
// (cmake/write_build_info.cmake), so a new commit relinks rather than recompiles.
#include <string>
#include <string_view>

namespace drover::util {

const char* buildVersion();  // the project's version, "0.1.0"
/// The commit's short hash, with "-modified" when tracked files differed from it;
/// "unknown" when built from a tree with neither git nor a .build-commit file.
const char* buildCommit();

/// What `PROGRAM --version` prints: "droverd 0.1.0" then "commit 1a2b3c4d5e6f",
/// the first line in the form help2man reads.
std::string versionText(std::string_view program);

}  // namespace drover::util
