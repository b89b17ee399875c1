// cluster#set_facts and cluster#write_file: whole files replaced atomically, never
// appended, each under the node's root.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "agents/cluster/cluster_agent.hpp"
#include "agents/cluster/file_ops.hpp"
#include "agents/cluster/inputs.hpp"
#include "core/util/files.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFactsBytes = 2 * 1024 * 1024;
constexpr std::size_t kMaxFileBytes = 1024 * 1024;
constexpr std::size_t kMaxPathBytes = 4096;

// An absolute path of plain names: no "." or ".." components, no empty ones.
fs::path filePathInput(const Json& args) {
  std::string path = stringInput(args, "path", kMaxPathBytes);
  if (path.empty() || path.front() != '/' || path.back() == '/') {
    badInput("path: " + shown(path) + " is not an absolute path of a file");
  }
  for (const auto& part : fs::path(path).relative_path()) {
    std::string name = part.string();
    if (name.empty() || name == "." || name == ".." || name.size() > 255) {
      badInput("path: " + shown(path) + " has a component " + shown(name) +
               " (only plain names of 1 to 255 bytes; no '.' or '..')");
    }
  }
  if (path.find("//") != std::string::npos) badInput("path: " + shown(path) + " has '//'");
  return path;
}

bool allDigits(const std::string& text) {
  return !text.empty() && text.size() <= 9 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

uid_t userId(const std::string& owner) {
  if (allDigits(owner)) return static_cast<uid_t>(std::stoul(owner));
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  ::getpwnam_r(owner.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) badInput("owner: no user " + shown(owner) + " on this node");
  return found->pw_uid;
}

gid_t groupId(const std::string& group) {
  if (allDigits(group)) return static_cast<gid_t>(std::stoul(group));
  std::vector<char> buffer(16384);
  struct group entry {};
  struct group* found = nullptr;
  ::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) badInput("group: no group " + shown(group) + " on this node");
  return found->gr_gid;
}

unsigned modeInput(const Json& args) {
  std::string mode = stringInput(args, "mode", 8);
  bool octal = mode.size() >= 3 && mode.size() <= 4 &&
               mode.find_first_not_of("01234567") == std::string::npos &&
               (mode.size() == 3 || mode.front() == '0');
  if (!octal) badInput("mode: " + shown(mode) + " is not an octal mode from 000 to 0777");
  return static_cast<unsigned>(std::stoul(mode, nullptr, 8));
}

// A symbolic link on the way must not lead the write out of the node's root.
void requireInside(const fs::path& dir, const fs::path& root, const std::string& path) {
  fs::path real = fs::canonical(dir);
  fs::path base = fs::canonical(root);
  auto [end, unused] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (end != base.end()) {
    badInput("path: " + shown(path) + " leads out of the node's root through " + real.string());
  }
}

bool sameFile(const fs::path& file, const std::string& content, const util::FileOwnership& want) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if ((st.st_mode & 07777) != want.mode || st.st_uid != want.uid || st.st_gid != want.gid) {
    return false;
  }
  return util::readFile(file) == content;
}

}  // namespace

void makeDirectory(const fs::path& dir, unsigned mode) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, static_cast<fs::perms>(mode), ec);
}

std::string readIfExists(const fs::path& file, unsigned& mode) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return "";
  mode = static_cast<unsigned>(fs::status(file).permissions() & fs::perms::mask);
  return util::readFile(file);
}

Reply ClusterAgent::setFacts(const Request& request) {
  const Json& args = request.args;
  std::string deployment = deploymentInput(args);
  std::int64_t version = integerInput(args, "version", 1, INT64_MAX);
  std::string text = objectInput(args, "facts", kMaxFactsBytes).dump(2) + "\n";
  std::lock_guard lock(factsMutex_);
  std::int64_t current = registrationData().value("facts_version", std::int64_t{0});
  if (version <= current) {
    return {{}, {{"version", current}, {"applied", false}, {"changed", false}}};
  }
  fs::path file = factsFile();
  makeDirectory(file.parent_path(), 0755);
  unsigned mode = 0644;
  bool changed = readIfExists(file, mode) != text;
  if (changed)
    util::writeFileAtomically(file, text, util::FileOwnership{0644, ::geteuid(), ::getegid()});
  remember([&](Json& record) {
    record["facts_version"] = version;
    record["deployment"] = deployment;
  });
  return {{}, {{"version", version}, {"applied", true}, {"changed", changed}}};
}

Reply ClusterAgent::writeFile(const Request& request) {
  const Json& args = request.args;
  fs::path path = filePathInput(args);
  std::string content = stringInput(args, "content", kMaxFileBytes);
  util::FileOwnership want{modeInput(args), userId(stringInput(args, "owner", 64)),
                           groupId(stringInput(args, "group", 64))};
  fs::path target = underRoot(path);
  makeDirectory(target.parent_path(), 0755);
  requireInside(target.parent_path(), underRoot("/"), path.string());
  if (fs::is_directory(fs::symlink_status(target))) {
    badInput("path: " + shown(path.string()) + " is a directory on this node");
  }
  bool changed = !sameFile(target, content, want);
  if (changed) util::writeFileAtomically(target, content, want);
  return {{}, {{"path", path.string()}, {"changed", changed}}};
}

}  // namespace drover::agents::cluster
