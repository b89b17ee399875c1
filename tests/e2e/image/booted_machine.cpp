#include "tests/e2e/image/booted_machine.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/util/files.hpp"
#include "launchers/local/addressing.hpp"
#include "launchers/local/network.hpp"

namespace drover::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// What there is of a file (a console log not yet written is empty).
std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

BootedMachine::BootedMachine(Options options) : options_(std::move(options)) {
  root_ = options_.workDir / options_.name / "root";
  fs::remove_all(root_.parent_path());
  fs::create_directories(root_.parent_path());
  // cp keeps owners, modes, links and special files; a reflink where the file system has it.
  testing::runChecked({"cp", "-a", "--reflink=auto", options_.image.string(), root_.string()});
  // NoCloud: the seed directory cloud-init's ds-identify finds without a network. The
  // network is the namespace's, made below, so cloud-init leaves it alone.
  const fs::path seed = root_ / "var/lib/cloud/seed/nocloud";
  fs::create_directories(seed);
  util::writeFileAtomically(seed / "meta-data", "instance-id: " + options_.name +
                                                    "-1\nlocal-hostname: " + options_.name + "\n");
  util::writeFileAtomically(seed / "user-data", options_.userData, 0600);
  util::writeFileAtomically(seed / "network-config", "network:\n  config: disabled\n");

  auto subnet = launchers::Subnet::parse(options_.subnet);
  auto links = launchers::MemberLinks::of(options_.bridge, options_.name);
  netns_ = links.netns;
  try {
    launchers::removeMemberNetwork(links);  // what a run killed outright left
  } catch (const std::exception&) {
  }
  try {
    launchers::addMemberNetwork(options_.bridge, subnet, links, options_.address);
  } catch (const std::exception& e) {
    try {
      launchers::removeMemberNetwork(links);
    } catch (const std::exception&) {
    }
    throw std::runtime_error("network of " + options_.name + ": " + e.what());
  }
}

BootedMachine::~BootedMachine() {
  powerOff();
  try {
    launchers::removeMemberNetwork(launchers::MemberLinks::of(options_.bridge, options_.name));
  } catch (const std::exception&) {
    // the bridge's removal takes what is left
  }
  std::error_code ignored;
  fs::remove_all(root_.parent_path(), ignored);
}

void BootedMachine::boot() {
  nspawn_.emplace(
      std::vector<std::string>{"/usr/bin/systemd-nspawn", "--boot", "--quiet", "--directory",
                               root_.string(), "--machine", options_.name, "--register=no",
                               "--keep-unit", "--network-namespace-path=/run/netns/" + netns_,
                               "--console=pipe", "--link-journal=no"},
      root_.parent_path() / "console.log");
  leader_ = -1;
  bool started = testing::waitFor([&] { return leader() > 0 || !nspawn_->running(); }, 60s);
  if (!started || leader_ <= 0) {
    throw std::runtime_error("systemd-nspawn did not start " + options_.name + ":\n" + console());
  }
}

pid_t BootedMachine::leader() {
  if (leader_ > 0 && fs::exists("/proc/" + std::to_string(leader_))) return leader_;
  leader_ = -1;
  if (!nspawn_) return leader_;
  // The container's init is nspawn's child that is PID 1 of a namespace of its own (the
  // last NSpid field). While nspawn sets up, another child of it exists for a moment: the
  // first child found was sometimes that one, gone by the time the test entered it.
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::istringstream status(readText(entry.path() / "status"));
    bool child = false;
    bool initOfItsOwn = false;
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("PPid:", 0) == 0) child = std::stoi(line.substr(5)) == nspawn_->pid();
      if (line.rfind("NSpid:", 0) == 0) {
        // "NSpid: 22436 1": its PID here, then in each nested namespace.
        std::istringstream ids(line.substr(6));
        std::vector<std::string> each;
        for (std::string id; ids >> id;) each.push_back(id);
        initOfItsOwn = each.size() >= 2 && each.back() == "1";
      }
    }
    if (child && initOfItsOwn) {
      leader_ = std::stoi(pid);
      return leader_;
    }
  }
  return -1;
}

util::SubprocessResult BootedMachine::run(const std::vector<std::string>& argv,
                                          std::chrono::seconds timeout, const std::string& input) {
  if (!running() || leader() <= 0) {
    throw std::runtime_error(options_.name + " is not running:\n" + console());
  }
  std::vector<std::string> command{"nsenter", "--target", std::to_string(leader_),
                                   "--mount", "--uts",    "--ipc",
                                   "--net",   "--pid",    "--root",
                                   "--wd=/",  "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  util::SubprocessOptions options;
  options.environment = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                         "LANG=C.UTF-8", "HOME=/root"};
  return util::runProcess(command, input, timeout, options);
}

std::string BootedMachine::runChecked(const std::vector<std::string>& argv,
                                      std::chrono::seconds timeout) {
  auto result = run(argv, timeout);
  if (result.exitCode != 0) {
    std::string line;
    for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
    throw std::runtime_error(
        "on " + options_.name + ": `" + line + "` exited " + std::to_string(result.exitCode) +
        (result.timedOut ? " (timeout)" : "") + ":\n" + result.out + result.err);
  }
  return result.out;
}

std::string BootedMachine::waitBooted(std::chrono::seconds timeout) {
  // "offline" until systemd inside listens; then --wait blocks until start-up is over.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string state;
  while (std::chrono::steady_clock::now() < deadline && running()) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline -
                                                                 std::chrono::steady_clock::now());
    auto result = run({"systemctl", "is-system-running", "--wait"}, std::max(left, 1s));
    state = result.out;
    while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
    if (state != "offline" && !state.empty()) return state;
    std::this_thread::sleep_for(250ms);
  }
  return state;
}

void BootedMachine::powerOff(std::chrono::seconds grace) {
  if (!nspawn_) return;
  // nspawn halts the container on the first SIGTERM; Process::stop kills by PID after grace.
  nspawn_->stop(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
  nspawn_.reset();
  leader_ = -1;
}

bool BootedMachine::running() { return nspawn_ && nspawn_->running(); }

fs::path BootedMachine::host(const std::string& inside) const {
  return root_ / fs::path(inside).relative_path();
}

std::string BootedMachine::console() const { return readText(root_.parent_path() / "console.log"); }

std::string BootedMachine::diagnosis() {
  std::string text = "console of " + options_.name + ":\n" + console();
  if (!running() || leader() <= 0) return text + "\n(" + options_.name + " is not running)\n";
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"systemctl", "list-jobs", "--no-pager"},
        std::vector<std::string>{"systemctl", "--failed", "--no-pager"},
        std::vector<std::string>{"journalctl", "-b", "--no-pager", "-n", "150"}}) {
    std::string line;
    for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
    try {
      auto result = run(argv, 30s);
      text += "\n$ " + line + "\n" + result.out + result.err;
    } catch (const std::exception& e) {
      text += "\n$ " + line + "\n" + e.what() + "\n";
    }
  }
  return text;
}

}  // namespace drover::e2e
