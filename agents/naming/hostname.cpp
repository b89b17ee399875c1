#include "agents/naming/hostname.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "core/util/files.hpp"

namespace drover::agents::naming {

namespace fs = std::filesystem;

std::string currentHostname() {
  char buffer[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buffer, sizeof(buffer) - 1) != 0) return "";
  return buffer;
}

void writeHostnameFile(const fs::path& file, const std::string& hostname) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("cannot create " + file.parent_path().string() + ": " + ec.message());
  }
  util::writeFileAtomically(file, hostname + "\n", 0644);
}

void setKernelHostname(const std::string& hostname) {
  if (::sethostname(hostname.data(), hostname.size()) != 0) {
    throw std::runtime_error("sethostname('" + hostname + "'): " + std::strerror(errno));
  }
}

std::string firstLabel(const std::string& identity) {
  return identity.substr(0, identity.find('.'));
}

}  // namespace drover::agents::naming
