#include "core/util/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/ids.hpp"

namespace drover::util {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// Closes the descriptor on every path out of writeFileAtomically.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Writes, then lets `prepare` set up the temporary file before it is synced and renamed.
void writeAtomically(const std::filesystem::path& path, std::string_view content, unsigned mode,
                     const std::function<bool(int)>& prepare) {
  auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  auto tmp = dir / ("." + path.filename().string() + ".tmp-" + randomId().substr(0, 8));
  {
    Fd out{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
    if (out.fd < 0) fail("cannot create", tmp);
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
      ssize_t n = ::write(out.fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::unlink(tmp.c_str());
        fail("cannot write", tmp);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (prepare && !prepare(out.fd)) {
      int error = errno;
      ::unlink(tmp.c_str());
      errno = error;
      fail("cannot set the owner and mode of", tmp);
    }
    if (::fsync(out.fd) != 0) {
      ::unlink(tmp.c_str());
      fail("cannot fsync", tmp);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail("cannot rename into place", path);
  }
  Fd dirFd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dirFd.fd >= 0) ::fsync(dirFd.fd);  // make the rename itself durable
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         unsigned mode) {
  writeAtomically(path, content, mode, {});
}

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         const FileOwnership& ownership) {
  writeAtomically(path, content, 0600, [&](int fd) {
    return ::fchown(fd, ownership.uid, ownership.gid) == 0 && ::fchmod(fd, ownership.mode) == 0;
  });
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace drover::util
