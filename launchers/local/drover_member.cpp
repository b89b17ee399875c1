// drover-member: runs a local launcher member's droverd in the member's own namespaces.
//
//   drover-member --status-fd N --netns NAME --root ROOT --hostname NAME
//                 [--volume tmpfs BYTES MOUNT | --volume image FILE MOUNT]... -- PROGRAM [ARGS...]
//
// It joins the network namespace /run/netns/NAME (made by the launcher), unshares UTS and
// mount namespaces, and there: makes every mount private (nothing reaches the machine),
// makes ROOT/etc the member's /etc (its own hosts, hostname, drover/ and ssh/; every other
// entry a link to the machine's /etc, mounted read-only at ROOT/.host-etc), mounts ROOT/root on
// /root, mounts the volumes, sets the host name and execs PROGRAM with a clean
// environment. /etc is a directory mount, not file mounts, because the node replaces its
// hosts file by rename(2), which a file mount would not follow.
//
// Any failure ends it before the exec, with the reason written to fd N (and stderr):
// the program never runs in the machine's own namespaces, where setting the host name
// would rename the machine. Success is the exec itself: fd N is close-on-exec.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/build_info.hpp"

namespace {

namespace fs = std::filesystem;

struct VolumeArg {
  std::string kind, source, mount;  // source: bytes of a tmpfs, or the image file
};

struct Options {
  int statusFd = -1;
  std::string netns, hostname;
  fs::path root;
  std::vector<VolumeArg> volumes;
  std::vector<char*> program;
};

int statusFd = -1;

[[noreturn]] void fail(const std::string& what, int error = errno) {
  std::string message =
      "drover-member: " + what + (error != 0 ? std::string(": ") + std::strerror(error) : "");
  if (statusFd >= 0) (void)!::write(statusFd, message.data(), message.size());
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(127);
}

void bindMount(const fs::path& from, const fs::path& to) {
  if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    fail("bind mount " + from.string() + " on " + to.string());
  }
}

// The machine's /etc entries appear in the member's etc as links into its mount of the
// machine's /etc, except what the member has of its own.
void linkEntries(const fs::path& from, const fs::path& to, const std::vector<std::string>& only) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return;  // a machine without ssh, say
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename();
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    if (fs::symlink_status(to / name).type() != fs::file_type::not_found) continue;
    fs::create_symlink(entry.path(), to / name, ec);
    if (ec) fail("link " + (to / name).string() + ": " + ec.message(), 0);
  }
  if (ec) fail("read " + from.string() + ": " + ec.message(), 0);
}

void setUpEtc(const fs::path& root) {
  const fs::path etc = root / "etc", hostEtc = root / ".host-etc";
  std::error_code ec;
  fs::create_directories(hostEtc, ec);
  fs::create_directories(etc / "ssh", ec);
  if (ec) fail("create " + hostEtc.string() + ": " + ec.message(), 0);
  bindMount("/etc", hostEtc);
  // Read-only: a write through one of the links below must not change the machine's /etc.
  if (::mount(nullptr, hostEtc.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    fail("make " + hostEtc.string() + " read-only");
  }
  linkEntries(hostEtc, etc, {});
  // The machine's ssh configuration, but no host keys: each member makes its own.
  linkEntries(hostEtc / "ssh", etc / "ssh",
              {"ssh_config", "sshd_config", "ssh_config.d", "sshd_config.d", "moduli"});
  bindMount(etc, "/etc");
}

void runMount(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("mount -o loop " + args[3] + " on " + args[4], 0);
}

void mountVolume(const VolumeArg& volume) {
  if (volume.kind == "tmpfs") {
    const std::string data = "size=" + volume.source + ",mode=0755";
    if (::mount("tmpfs", volume.mount.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0) {
      fail("mount tmpfs on " + volume.mount);
    }
    return;
  }
  const char* program = fs::exists("/usr/bin/mount") ? "/usr/bin/mount" : "/bin/mount";
  runMount({program, "-o", "loop", volume.source, volume.mount});
}

void enterNamespaces(const Options& options) {
  const fs::path netns = fs::path("/run/netns") / options.netns;
  int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) fail("join network namespace " + netns.string());
  ::close(fd);
  if (::unshare(CLONE_NEWUTS | CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWUTS | CLONE_NEWNS)");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make / private");
  // The other members' namespace files: holding them here would keep those namespaces
  // alive after the launcher deleted them.
  ::umount2("/run/netns", MNT_DETACH);
  setUpEtc(options.root);
  bindMount(options.root / "root", "/root");
  for (const auto& volume : options.volumes) mountVolume(volume);
  if (::sethostname(options.hostname.data(), options.hostname.size()) != 0)
    fail("sethostname " + options.hostname);
}

[[noreturn]] void usage(const std::string& why) {
  fail(why +
           "\nusage: drover-member --status-fd N --netns NAME --root ROOT --hostname NAME "
           "[--volume tmpfs BYTES MOUNT | --volume image FILE MOUNT]... -- PROGRAM [ARGS...]",
       0);
}

// What --help prints (and the man page is made from).
constexpr const char* kHelp =
    "drover-member: runs a local launcher member's droverd in its own namespaces\n"
    "Usage: drover-member --status-fd N --netns NAME --root ROOT --hostname NAME\n"
    "         [--volume tmpfs BYTES MOUNT | --volume image FILE MOUNT]... -- PROGRAM [ARGS...]\n"
    "\n"
    "Started by the provisioner's local launcher, not by hand. Joins the network namespace\n"
    "/run/netns/NAME, unshares UTS and mount namespaces, makes ROOT/etc the member's /etc\n"
    "and ROOT/root its /root, mounts the volumes, sets the host name, and execs PROGRAM\n"
    "with a clean environment. A failure before the exec is written to fd N.\n"
    "\n"
    "Options:\n"
    "  --status-fd N      where a failure is reported (close-on-exec: success is the exec)\n"
    "  --netns NAME       network namespace, /run/netns/NAME\n"
    "  --root ROOT        the member's root directory (absolute)\n"
    "  --hostname NAME    the member's host name\n"
    "  --volume KIND X MOUNT  a tmpfs of X bytes, or an ext4 image file X, at MOUNT\n"
    "  --help             print this and exit\n"
    "  --version          print the version and exit\n";

Options parse(int argc, char** argv) {
  Options options;
  int i = 1;
  if (argc == 2 && std::string(argv[1]) == "--help") {
    std::fputs(kHelp, stdout);
    std::exit(0);
  }
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::puts(drover::util::versionText("drover-member").c_str());
    std::exit(0);
  }
  auto next = [&](const char* flag) -> std::string {
    if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
    return argv[++i];
  };
  for (; i < argc && std::string(argv[i]) != "--"; ++i) {
    const std::string flag = argv[i];
    if (flag == "--status-fd") {
      options.statusFd = statusFd = std::atoi(next("--status-fd").c_str());
    } else if (flag == "--netns") {
      options.netns = next("--netns");
    } else if (flag == "--root") {
      options.root = next("--root");
    } else if (flag == "--hostname") {
      options.hostname = next("--hostname");
    } else if (flag == "--volume") {
      VolumeArg volume{next("--volume"), next("--volume"), next("--volume")};
      if (volume.kind != "tmpfs" && volume.kind != "image")
        usage("volume kind '" + volume.kind + "'");
      options.volumes.push_back(volume);
    } else {
      usage("unknown argument '" + flag + "'");
    }
  }
  if (i + 1 >= argc) usage("no program after --");
  if (options.netns.empty() || options.root.empty() || options.hostname.empty())
    usage("missing --netns, --root or --hostname");
  for (++i; i < argc; ++i) options.program.push_back(argv[i]);
  options.program.push_back(nullptr);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  if (options.root.is_relative()) usage("--root must be an absolute path");
  enterNamespaces(options);
  if (options.statusFd >= 0) ::fcntl(options.statusFd, F_SETFD, FD_CLOEXEC);
  char* environment[] = {
      const_cast<char*>("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
      const_cast<char*>("HOME=/root"), const_cast<char*>("LANG=C.UTF-8"), nullptr};
  ::execve(options.program[0], options.program.data(), environment);
  fail(std::string("exec ") + options.program[0]);
}
