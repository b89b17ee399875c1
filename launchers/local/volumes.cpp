#include "launchers/local/volumes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/util/subprocess.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;

bool isUnder(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

std::string mountProblem(const Volume& volume) {
  const std::string& mount = volume.mount;
  if (mount.empty() || mount[0] != '/') return "mount '" + mount + "' is not an absolute path";
  if (fs::path(mount).lexically_normal().string() != mount ||
      mount.find("/..") != std::string::npos || (mount.size() > 1 && mount.back() == '/')) {
    return "mount '" + mount + "' is not a normal path (no '..', '.', '//' or trailing '/')";
  }
  for (const char* system :
       {"/", "/etc", "/etc/drover", "/etc/ssh", "/root", "/run", "/usr", "/var"}) {
    if (mount == system) return "mount '" + mount + "' is a system directory";
  }
  for (const char* system : {"/proc", "/sys", "/dev", "/run/netns"}) {
    if (isUnder(mount, system)) return "mount '" + mount + "' is under " + system;
  }
  if (volume.kind != "tmpfs" && volume.kind != "image")
    return "kind '" + volume.kind + "' is not tmpfs or image";
  if (volume.sizeBytes == 0) return "size is 0";
  return "";
}

// A mount under /etc or /root lands in the member's own etc or root, which are mounted
// there inside its namespace; any other mount point is on the machine's file system.
fs::path machineSide(const MemberState& state, const std::string& mount) {
  if (isUnder(mount, "/etc") || isUnder(mount, "/root")) return state.root() / mount.substr(1);
  return mount;
}

void makeMountPoint(const fs::path& path, MemberState& state) {
  std::vector<fs::path> missing;
  for (fs::path p = path; !fs::exists(p); p = p.parent_path()) missing.push_back(p);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    fs::create_directory(*it);
    if (!isUnder(it->string(), state.root().string())) state.createdDirs.push_back(it->string());
    state.write();
  }
}

void makeImage(const fs::path& image, std::uint64_t size) {
  int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw LaunchError("create " + image.string() + ": " + why);
  }
  ::close(fd);
  util::SubprocessOptions options;
  options.environment = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LANG=C"};
  auto result = util::runProcess({"mkfs.ext4", "-q", "-F", image.string()}, "",
                                 std::chrono::minutes(5), options);
  if (result.exitCode != 0) {
    throw LaunchError("mkfs.ext4 " + image.string() + ": " +
                      (result.err.empty() ? "failed" : result.err));
  }
}

}  // namespace

void checkVolumes(const MemberLaunch& member) {
  for (std::size_t i = 0; i < member.volumes.size(); ++i) {
    std::string problem = mountProblem(member.volumes[i]);
    if (!problem.empty()) {
      throw LaunchError(member.identity + ": volumes[" + std::to_string(i) + "]: " + problem);
    }
  }
}

std::vector<std::string> prepareVolumes(const std::vector<Volume>& volumes, MemberState& state) {
  std::vector<std::string> args;
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const Volume& volume = volumes[i];
    state.mounts.push_back(machineSide(state, volume.mount).string());
    makeMountPoint(machineSide(state, volume.mount), state);
    if (volume.kind == "tmpfs") {
      args.insert(args.end(),
                  {"--volume", "tmpfs", std::to_string(volume.sizeBytes), volume.mount});
      continue;
    }
    fs::create_directories(state.dir / "volumes");
    fs::path image = state.dir / "volumes" / (std::to_string(i) + ".img");
    makeImage(image, volume.sizeBytes);
    args.insert(args.end(), {"--volume", "image", image.string(), volume.mount});
  }
  return args;
}

void removeCreatedDirs(const MemberState& state, std::vector<MemberState>& others) {
  std::vector<std::string> dirs = state.createdDirs;
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& dir : dirs) {
    auto user = std::find_if(others.begin(), others.end(), [&](const MemberState& other) {
      return std::any_of(other.mounts.begin(), other.mounts.end(),
                         [&](const auto& mount) { return isUnder(mount, dir); });
    });
    if (user != others.end()) {
      user->createdDirs.push_back(dir);
      user->write();
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
  }
}

}  // namespace drover::launchers
