#include "core/ddl/repository.hpp"

#include <algorithm>
#include <system_error>

#include "core/config/defaults.hpp"
#include "core/ddl/loader.hpp"
#include "core/log/log.hpp"

namespace drover::ddl {
namespace fs = std::filesystem;

namespace {

// Regular `*.json` files directly inside `directory`, sorted so loading is repeatable.
std::vector<fs::path> jsonFiles(const fs::path& directory, std::error_code& ec) {
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code typeError;
    if (it->path().extension() == ".json" && it->is_regular_file(typeError)) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// At info level: droverd shows them when it starts, while the CLI, which loads DDLs on
// every call, stays quiet about DDLs its user did not write (`drover plugin doc` lists them).
void logWarnings(const Ddl& ddl) {
  for (const auto& warning : ddl.warnings) log::get("drover.ddl")->info("DDL warning: {}", warning);
}

bool isDefaultDirectory(const fs::path& directory) {
  for (const auto& known : config::defaultDdlDirs()) {
    if (fs::path(known).lexically_normal() == directory.lexically_normal()) return true;
  }
  return false;
}

}  // namespace

Repository::Repository(const std::vector<fs::path>& directories) {
  for (const auto& directory : directories) addDirectory(directory, isDefaultDirectory(directory));
}

void Repository::addDirectory(const fs::path& directory, bool mayBeMissing) {
  std::error_code ec;
  std::vector<fs::path> files = jsonFiles(directory, ec);
  if (ec == std::errc::no_such_file_or_directory && mayBeMissing) return;
  if (ec) {
    errors_.push_back({directory, directory.string() + ": cannot list DDLs: " + ec.message()});
    return;
  }
  for (const auto& file : files) addFile(file);
}

void Repository::addFile(const fs::path& file) {
  try {
    Ddl ddl = loadFile(file);
    std::string agent = ddl.metadata.name;
    if (file.stem() != agent) {
      errors_.push_back({file, file.string() + ": defines agent '" + agent +
                                   "', which belongs in " + agent + ".json"});
    } else if (const Ddl* known = find(agent)) {
      errors_.push_back({file, file.string() + ": agent '" + agent + "' is already defined by " +
                                   known->source + "; ignored"});
    } else {
      logWarnings(ddl);
      add(std::move(ddl));
    }
  } catch (const LoadError& e) {
    errors_.push_back({file, e.what()});
  }
}

bool Repository::add(Ddl ddl) {
  std::string agent = ddl.metadata.name;
  return ddls_.emplace(std::move(agent), std::move(ddl)).second;
}

const Ddl* Repository::find(const std::string& agent) const {
  auto it = ddls_.find(agent);
  return it == ddls_.end() ? nullptr : &it->second;
}

std::vector<std::string> Repository::agents() const {
  std::vector<std::string> names;
  for (const auto& entry : ddls_) names.push_back(entry.first);
  return names;
}

}  // namespace drover::ddl
