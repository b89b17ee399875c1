# Run at every build (cmake -P): writes OUTPUT, a source naming the commit the build is
# made from, and touches it only when that changes, so a build with nothing new
# recompiles nothing. The commit comes from git in SOURCE_DIR, or from the file
# SOURCE_DIR/.build-commit where there is no git (a tree copied for a package).
# In: SOURCE_DIR, OUTPUT, VERSION.
set(commit "unknown")
find_program(GIT git)
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE head RESULT_VARIABLE failed OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT failed AND head)
    set(commit "${head}")
    # Tracked files changed since the commit: the build is not that commit alone.
    execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" diff --quiet HEAD --
                    RESULT_VARIABLE dirty ERROR_QUIET)
    if(dirty)
      set(commit "${commit}-modified")
    endif()
  endif()
elseif(EXISTS "${SOURCE_DIR}/.build-commit")
  file(STRINGS "${SOURCE_DIR}/.build-commit" lines LIMIT_COUNT 1)
  if(lines MATCHES "^[0-9a-f]+(-modified)?$")
    set(commit "${lines}")
  endif()
endif()

set(text "// Written by cmake/write_build_info.cmake at build time; not in the source tree.
#include \"core/util/build_info.hpp\"

namespace drover::util {

const char* buildVersion() { return \"${VERSION}\"; }
const char* buildCommit() { return \"${commit}\"; }

}  // namespace drover::util
")
# Rewritten only when the text changed, so nothing depending on it rebuilds for nothing.
file(CONFIGURE OUTPUT "${OUTPUT}" CONTENT "${text}" @ONLY)
