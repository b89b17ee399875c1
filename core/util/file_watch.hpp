#pragma once
// Tells a poll loop when files may have changed, so a daemon re-reads them on the event
// instead of on a timer (an idle daemon then never wakes for them).
//
// inotify watches the directory holding each file, not the file: a file replaced by
// rename, as editors, config tools and package managers write, is seen too. A file
// behind a symbolic link is also watched where the link leads (the "..data" swap that
// Kubernetes' mounted volumes make). A directory that does not exist yet is watched
// through its nearest existing ancestor, and the watches move down as it is created.
// A watched directory removed or renamed moves them up again.
//
// Only completed writes count (a close after writing, a rename into place, a delete, a
// permission change, a new symbolic link): a file created and still being written is
// not read half-way.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace drover::util {

class FileWatch {
 public:
  struct Target {
    std::filesystem::path path;
    bool directory = false;  // report changes of the entries directly inside it
  };

  /// Watches `targets`. Throws std::system_error when inotify cannot be used
  /// (fs.inotify.max_user_instances reached, for one).
  explicit FileWatch(std::vector<Target> targets);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  /// Readable when events are pending: what a poll loop waits on.
  int fd() const { return fd_; }

  /// Reads the pending events and returns the indexes (into the constructor's
  /// `targets`) of the targets that may have changed, each once, in order. Never blocks.
  std::vector<std::size_t> takeChanged();

  /// Empty when every target is watched; otherwise why one is not (a directory that
  /// cannot be read, fs.inotify.max_user_watches reached). The caller then checks
  /// those files on a timer as well.
  const std::string& problem() const { return problem_; }

 private:
  // One directory watched for one target: for events naming `name` in it (any entry
  // when empty), or, as an ancestor, for the next directory on the way being created.
  struct Watch {
    int wd = -1;
    std::size_t target = 0;
    std::string name;
    bool ancestor = false;
    std::filesystem::path directory;
  };

  void arm();  // places the watches the file system's current state calls for
  void armTarget(std::size_t index, std::vector<Watch>& into);
  void watchDirectory(const std::filesystem::path& directory, std::size_t index, std::string name,
                      std::vector<Watch>& into);

  int fd_ = -1;
  std::vector<Target> targets_;
  std::vector<Watch> watches_;
  std::string problem_;
};

}  // namespace drover::util
