#include "core/util/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
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

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                         unsigned mode) {
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

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace drover::util
