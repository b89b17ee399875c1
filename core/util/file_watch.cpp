#include "core/util/file_watch.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace drover::util {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                           IN_DELETE | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF |
                                           IN_MOVE_SELF | IN_ONLYDIR;
// What makes an entry's content final, or gone.
constexpr std::uint32_t kCompleted =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB;
// What changes which inode a name leads to: a symbolic link may now lead elsewhere.
constexpr std::uint32_t kRelinked = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
constexpr std::uint32_t kWatchGone = IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF;

bool isDirectory(const fs::path& path) {
  std::error_code ignored;
  return fs::is_directory(path, ignored);
}

bool isSymlink(const fs::path& path) {
  std::error_code ignored;
  return fs::is_symlink(fs::symlink_status(path, ignored));
}

}  // namespace

FileWatch::FileWatch(std::vector<Target> targets) : targets_(std::move(targets)) {
  for (auto& target : targets_) target.path = fs::absolute(target.path).lexically_normal();
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "inotify_init1 (see fs.inotify.max_user_instances)");
  }
  arm();
}

FileWatch::~FileWatch() { ::close(fd_); }

void FileWatch::arm() {
  std::vector<Watch> fresh;
  problem_.clear();
  for (std::size_t i = 0; i < targets_.size(); ++i) armTarget(i, fresh);
  // A directory watched twice has one descriptor: drop only those no longer wanted.
  for (const auto& old : watches_) {
    bool kept = false;
    for (const auto& watch : fresh) kept = kept || watch.wd == old.wd;
    if (!kept) (void)::inotify_rm_watch(fd_, old.wd);
  }
  watches_ = std::move(fresh);
}

void FileWatch::armTarget(std::size_t index, std::vector<Watch>& into) {
  const Target& target = targets_[index];
  if (target.directory) {
    watchDirectory(target.path, index, "", into);
    return;
  }
  watchDirectory(target.path.parent_path(), index, target.path.filename(), into);
  if (!isSymlink(target.path)) return;
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(target.path, error);
  if (!error && resolved != target.path) {
    watchDirectory(resolved.parent_path(), index, resolved.filename(), into);
  }
}

void FileWatch::watchDirectory(const fs::path& directory, std::size_t index, std::string name,
                               std::vector<Watch>& into) {
  Watch watch{-1, index, std::move(name), false, directory};
  if (!isDirectory(directory)) {
    // Watch the nearest ancestor that exists for the next directory on the way.
    fs::path child = directory;
    fs::path parent = directory.parent_path();
    while (!isDirectory(parent) && parent != parent.parent_path()) {
      child = parent;
      parent = parent.parent_path();
    }
    watch = Watch{-1, index, child.filename(), true, parent};
  }
  watch.wd = ::inotify_add_watch(fd_, watch.directory.c_str(), kDirectoryEvents);
  if (watch.wd < 0) {
    if (problem_.empty()) {
      problem_ = "cannot watch " + watch.directory.string() + " for " +
                 targets_[index].path.string() + ": " + std::strerror(errno) +
                 (errno == ENOSPC ? " (see fs.inotify.max_user_watches)" : "");
    }
    return;
  }
  into.push_back(std::move(watch));
}

std::vector<std::size_t> FileWatch::takeChanged() {
  std::vector<bool> changed(targets_.size(), false);
  bool rearm = false;
  alignas(inotify_event) char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: nothing more pending
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {  // events were lost: anything may have changed
        changed.assign(targets_.size(), true);
        rearm = true;
        continue;
      }
      std::string_view name = event->len > 0 ? std::string_view(event->name) : "";
      for (const auto& watch : watches_) {
        if (watch.wd != event->wd) continue;
        if (event->mask & kWatchGone) {  // the directory itself went away or moved
          changed[watch.target] = true;
          rearm = true;
          continue;
        }
        if (!watch.name.empty() && watch.name != name) continue;
        if (watch.ancestor) {  // a directory on the way appeared (or went)
          changed[watch.target] = true;
          rearm = true;
          continue;
        }
        if (event->mask & kCompleted) changed[watch.target] = true;
        // A new regular file is still being written; a new symbolic link is complete.
        if ((event->mask & IN_CREATE) && isSymlink(watch.directory / name)) {
          changed[watch.target] = true;
        }
        if ((event->mask & kRelinked) && !targets_[watch.target].directory) rearm = true;
      }
    }
  }
  // Re-armed before the caller reads: a write after this point raises a new event.
  if (rearm) arm();
  std::vector<std::size_t> indexes;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    if (changed[i]) indexes.push_back(i);
  }
  return indexes;
}

}  // namespace drover::util
