#include "launchers/local/network.hpp"

#include <filesystem>

#include "core/util/subprocess.hpp"
#include "launchers/launcher.hpp"

namespace drover::launchers {
namespace {

namespace fs = std::filesystem;
constexpr auto kIpTimeout = std::chrono::seconds(30);

std::string joined(const std::vector<std::string>& args) {
  std::string out = "ip";
  for (const auto& arg : args) out += " " + arg;
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

void runIp(const std::vector<std::string>& args, const std::string& step) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SubprocessOptions options;
  options.environment = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LANG=C"};
  auto result = util::runProcess(argv, "", kIpTimeout, options);
  if (result.exitCode != 0) {
    std::string why = result.timedOut ? "timed out" : trimmed(result.err);
    throw LaunchError(step + ": " + joined(args) + ": " + (why.empty() ? "failed" : why));
  }
}

bool linkExists(const std::string& name) {
  std::error_code ec;
  return isValidLinkName(name) && fs::exists(fs::path("/sys/class/net") / name, ec);
}

bool netnsExists(const std::string& name) {
  std::error_code ec;
  return fs::exists(fs::path("/run/netns") / name, ec);
}

void ensureBridge(const std::string& bridge, const Subnet& subnet) {
  if (linkExists(bridge)) return;
  const std::string step = "create bridge " + bridge;
  runIp({"link", "add", bridge, "type", "bridge"}, step);
  runIp({"addr", "add", subnet.gateway() + "/" + std::to_string(subnet.prefix()), "dev", bridge},
        step);
  runIp({"link", "set", bridge, "up"}, step);
}

void addMemberNetwork(const std::string& bridge, const Subnet& subnet, const MemberLinks& links,
                      const std::string& address) {
  const std::string& ns = links.netns;
  runIp({"netns", "add", ns}, "create network namespace " + ns);
  runIp({"link", "add", links.hostVeth, "type", "veth", "peer", "name", links.peerVeth},
        "create veth " + links.hostVeth);
  runIp({"link", "set", links.hostVeth, "master", bridge, "up"}, "attach veth to " + bridge);
  runIp({"link", "set", links.peerVeth, "netns", ns}, "move veth into " + ns);
  const std::string inside = "configure " + ns;
  runIp({"-n", ns, "link", "set", links.peerVeth, "name", "eth0"}, inside);
  runIp({"-n", ns, "addr", "add", address + "/" + std::to_string(subnet.prefix()), "dev", "eth0"},
        inside);
  runIp({"-n", ns, "link", "set", "eth0", "up"}, inside);
  runIp({"-n", ns, "link", "set", "lo", "up"}, inside);
  runIp({"-n", ns, "route", "add", "default", "via", subnet.gateway()}, inside);
}

void removeMemberNetwork(const MemberLinks& links) {
  std::string problems;
  auto attempt = [&](const std::vector<std::string>& args, const std::string& step) {
    try {
      runIp(args, step);
    } catch (const LaunchError& e) {
      problems += (problems.empty() ? "" : "; ") + std::string(e.what());
    }
  };
  if (linkExists(links.hostVeth)) attempt({"link", "del", links.hostVeth}, "delete veth");
  if (netnsExists(links.netns)) attempt({"netns", "del", links.netns}, "delete namespace");
  if (!problems.empty()) throw LaunchError(problems);
}

void removeBridge(const std::string& bridge) {
  if (linkExists(bridge)) runIp({"link", "del", bridge}, "delete bridge " + bridge);
}

}  // namespace drover::launchers
