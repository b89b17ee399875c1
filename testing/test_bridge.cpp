#include "testing/test_bridge.hpp"

#include <signal.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/util/subprocess.hpp"

namespace drover::testing {
namespace {

using namespace std::chrono_literals;

void runIp(const std::vector<std::string>& argv) {
  auto result = util::runProcess(argv, "", 30s);
  if (result.exitCode == 0) return;
  std::string line;
  for (const auto& arg : argv) line += arg + " ";
  throw std::runtime_error(line + "failed: " + result.err);
}

}  // namespace

void removeTestNetwork(const std::string& bridge) {
  auto list = util::runProcess({"ip", "netns", "list"}, "", 10s);
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind(bridge + "-", 0) != 0) continue;
    auto pids = util::runProcess({"ip", "netns", "pids", name}, "", 10s);
    std::istringstream each(pids.out);
    for (std::string pid; each >> pid;) ::kill(std::stoi(pid), SIGKILL);
    util::runProcess({"ip", "netns", "del", name}, "", 10s);
  }
  util::runProcess({"ip", "link", "del", bridge}, "", 10s);
}

TestBridge::TestBridge(std::string name, const std::string& gatewayCidr) : name_(std::move(name)) {
  removeTestNetwork(name_);
  runIp({"ip", "link", "add", name_, "type", "bridge"});
  try {
    runIp({"ip", "addr", "add", gatewayCidr, "dev", name_});
    runIp({"ip", "link", "set", name_, "up"});
  } catch (...) {
    removeTestNetwork(name_);
    throw;
  }
}

}  // namespace drover::testing
