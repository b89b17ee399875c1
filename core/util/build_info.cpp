#include "core/util/build_info.hpp"

namespace drover::util {

std::string versionText(std::string_view program) {
  return std::string(program) + " " + buildVersion() + "\ncommit " + buildCommit();
}

}  // namespace drover::util
