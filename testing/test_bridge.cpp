#include "testing/test_bridge.hpp"

#include <signal.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/util/subprocess.hpp"
#include "testing/process.hpp"

namespace drover::testing {

using namespace std::chrono_literals;

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
  runChecked({"ip", "link", "add", name_, "type", "bridge"});
  try {
    runChecked({"ip", "addr", "add", gatewayCidr, "dev", name_});
    runChecked({"ip", "link", "set", name_, "up"});
  } catch (...) {
    removeTestNetwork(name_);
    throw;
  }
}

}  // namespace drover::testing
