#pragma once
// Defaults that depend on the machine or the build, for the config structs' initializers.
#include <string>
#include <vector>

namespace drover::config {

/// The host name as the kernel reports it, or "localhost" when it cannot be read.
std::string hostName();

/// "USER@HOSTNAME" for the user running this process ($USER, else the password database,
/// else the numeric uid).
std::string userAtHost();

/// `relative` under the user's home directory ($HOME, else the password database,
/// else the current directory).
std::string homePath(const std::string& relative);

/// `relative` under the user's cache directory: $XDG_CACHE_HOME when it is an absolute
/// path, else ~/.cache.
std::string cachePath(const std::string& relative);

/// Where DDL files are looked for: the installed share/drover/ddl, then the source tree's
/// ddl/, so a build works from its tree without being installed. Set at build time.
std::vector<std::string> defaultDdlDirs();

}  // namespace drover::config
