#pragma once
// The DDLs a process knows: every `*.json` file directly inside a list of directories
// (droverd validates arriving requests with them; the CLI validates, renders and prints
// `plugin doc`). A file that fails to load is recorded and skipped, so one bad DDL is
// reported without hiding the others. A loaded DDL's warnings (Ddl::warnings) are
// logged at info level to "drover.ddl".
//
// Loading is not thread safe; once loaded, const access is safe from any thread.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/ddl/ddl.hpp"

namespace drover::ddl {

class Repository {
 public:
  struct FileError {
    std::filesystem::path file;  // the file, or the directory that could not be listed
    std::string message;         // names the file and, for schema errors, the JSON path
  };

  Repository() = default;

  /// Loads the directories in order (see addDirectory). A default directory
  /// (config::defaultDdlDirs(): the installed one, in a build tree not installed) may be
  /// missing without an error. Throws only std::bad_alloc.
  explicit Repository(const std::vector<std::filesystem::path>& directories);

  /// Loads every `*.json` file directly inside `directory`, in name order. An agent
  /// already known keeps its first DDL: list directories with the one that should win
  /// first, as with PATH. A file whose name is not its agent's name ("puppet.json" for
  /// agent puppet) is an error too, since agents are looked up by file name elsewhere.
  /// A directory that does not exist is an error unless `mayBeMissing`.
  /// Throws only std::bad_alloc.
  void addDirectory(const std::filesystem::path& directory, bool mayBeMissing = false);

  /// Adds a DDL built elsewhere; false (and nothing changes) when its agent is known.
  bool add(Ddl ddl);

  /// The DDL of `agent`, or nullptr. The pointer stays valid while the Repository lives.
  const Ddl* find(const std::string& agent) const;

  /// Names of all loaded agents, sorted.
  std::vector<std::string> agents() const;

  /// Every file that failed to load, in the order met.
  const std::vector<FileError>& errors() const { return errors_; }

 private:
  void addFile(const std::filesystem::path& file);

  std::map<std::string, Ddl, std::less<>> ddls_;
  std::vector<FileError> errors_;
};

}  // namespace drover::ddl
