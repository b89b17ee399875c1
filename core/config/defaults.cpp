#include "core/config/defaults.hpp"

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

#ifndef DROVER_DDL_INSTALL_DIR
#error "DROVER_DDL_INSTALL_DIR must be defined by the build (core/config/CMakeLists.txt)"
#endif
// DROVER_DDL_SOURCE_DIR is defined unless the build leaves the source tree out of the
// search (DROVER_DDL_FROM_SOURCE=OFF, as the packages do).

namespace drover::config {
namespace {

std::string userName() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  passwd entry{};
  passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(::getuid(), &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(::getuid());
}

}  // namespace

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string userAtHost() { return userName() + "@" + hostName(); }

std::string homePath(const std::string& relative) {
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr && *env != '\0') {
    home = env;
  } else {
    passwd entry{};
    passwd* found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(::getuid(), &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
      home = found->pw_dir;
    }
  }
  if (home.empty()) return relative;
  return home + "/" + relative;
}

std::string cachePath(const std::string& relative) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/" + relative;
  return homePath(".cache/" + relative);
}

std::vector<std::string> defaultDdlDirs() {
#ifdef DROVER_DDL_SOURCE_DIR
  return {DROVER_DDL_INSTALL_DIR, DROVER_DDL_SOURCE_DIR};
#else
  return {DROVER_DDL_INSTALL_DIR};
#endif
}

}  // namespace drover::config
