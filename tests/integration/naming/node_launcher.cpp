// naming-node-launcher ROOT -- PROGRAM [ARGS...]: runs PROGRAM (droverd) in a UTS and a
// mount namespace of its own, where /etc is ROOT/etc, so the node's sethostname(2)
// changes only its namespace and its hosts file (ROOT/etc/hosts, the node's root being
// ROOT) is what getent reads there.
//
// /etc is a directory bind mount, not a file one: the node replaces its hosts file by
// rename(2), which a file bind mount would not follow (the mount keeps the old inode)
// and which onto a mount point fails. Every other entry of the machine's /etc stays
// visible through a symbolic link into ROOT/.host-etc, where the real /etc is mounted
// inside the namespace only.
//
// Any failure ends the launcher before the exec: the program never runs in the
// machine's own namespaces, where setting the hostname would rename the machine.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "naming-node-launcher: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(127);
}

void bindMount(const fs::path& from, const fs::path& to) {
  if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    die("bind mount " + from.string() + " on " + to.string());
}

// The node's own files there (hosts, hostname) are left alone; everything else of the
// machine's /etc is a link into the namespace's mount of it.
void linkMachineEtc(const fs::path& etc, const fs::path& hostEtc) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(hostEtc, ec)) {
    const fs::path name = entry.path().filename();
    if (name == "hosts" || name == "hostname") continue;
    if (fs::symlink_status(etc / name).type() != fs::file_type::not_found) continue;
    fs::create_symlink(hostEtc / name, etc / name, ec);
    if (ec) die("link " + (etc / name).string() + ": " + ec.message());
  }
  if (ec) die("read " + hostEtc.string() + ": " + ec.message());
}

void enterNamespaces(const fs::path& root) {
  if (::unshare(CLONE_NEWUTS | CLONE_NEWNS) != 0) die("unshare(CLONE_NEWUTS | CLONE_NEWNS)");
  // Private: nothing mounted here reaches the machine's namespace.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die("make / private");
  const fs::path etc = root / "etc";
  const fs::path hostEtc = root / ".host-etc";
  std::error_code ec;
  fs::create_directories(etc, ec);
  fs::create_directories(hostEtc, ec);
  if (ec) die("create " + hostEtc.string() + ": " + ec.message());
  bindMount("/etc", hostEtc);
  linkMachineEtc(etc, hostEtc);
  bindMount(etc, "/etc");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[2]) != "--") {
    std::fprintf(stderr, "usage: naming-node-launcher ROOT -- PROGRAM [ARGS...]\n");
    return 2;
  }
  const fs::path root = fs::absolute(argv[1]);
  enterNamespaces(root);
  ::execv(argv[3], argv + 3);
  die(std::string("exec ") + argv[3]);
}
