// Things going away: a node killed in the middle of a call (and the programs its
// agents were running), the broker restarted under a running fleet, and the link to it
// cut without a word. Each suite has
// a fleet of its own, so nothing it breaks can affect another suite.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/json.hpp"
#include "testing/test_bridge.hpp"
#include "tests/integration/fleet_suite.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Names = std::vector<std::string>;

NodeSpec echoNode(const std::string& identity, const std::string& region) {
  NodeSpec spec;
  spec.identity = identity;
  spec.facts = "region: " + region + "\nrole: web\ncpus: 2\n";
  spec.classes = {"role::web"};
  spec.echo = true;
  return spec;
}

class NodeFailure : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({echoNode("victim", "eu-west-1"), echoNode("bystander", "us-east-1")});
  }
};

TEST_F(NodeFailure, NodeKilledMidCallIsReportedAsNoReply) {
  Node& victim = fleet().node("victim");
  auto call = std::async(std::launch::async, [] {
    return fleet().drover(
        {"rpc", "echo", "sleep", "seconds=1", "-I", "victim", "-I", "bystander", "--timeout", "3"});
  });
  // The call has started once the victim runs the agent program for it.
  bool running = testing::waitFor([&] { return hasChildProcess(victim.pid()); }, 5s);
  victim.kill();
  Result result = call.get();
  ASSERT_TRUE(running) << "the victim never started the action\n" << result << fleet().logs();
  EXPECT_EQ(result.exitCode, 1) << result;
  EXPECT_THAT(result.out, HasSubstr("1 of 2 nodes answered, 1 ok, 0 failed, 1 no reply")) << result;
  EXPECT_THAT(result.out, HasSubstr("no reply: victim")) << result;
  EXPECT_THAT(result.out, Not(HasSubstr("no reply: bystander"))) << result;

  // Restarted, the node is back on the bus under its own name.
  victim.start();
  victim.waitReady(15s);
  Result ping = fleet().drover({"ping", "-I", "victim", "-I", "bystander"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_THAT(ping.out, HasSubstr("2 of 2 nodes answered, 2 ok, 0 failed, 0 no reply")) << ping;
}

class BrokerRestart : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    startFleet({echoNode("node-a", "eu-west-1"), echoNode("node-b", "eu-west-1"),
                echoNode("node-c", "us-east-1"), echoNode("node-d", "ap-south-1")});
  }
};

TEST_F(BrokerRestart, EveryNodeComesBackWithoutBeingRestarted) {
  const Names all = fleet().identities();
  std::vector<pid_t> pids;
  for (const auto& name : all) pids.push_back(fleet().node(name).pid());
  ASSERT_EQ(fleet().drover({"ping"}).exitCode, 0);

  EXPECT_EQ(fleet().stopBroker(), 0) << fleet().logs();
  Result down = fleet().drover({"ping", "--timeout", "1"});
  EXPECT_EQ(down.exitCode, 3) << down;
  fleet().startBroker();

  // Each node learns of the reconnection as it happens, not at its next message or
  // heartbeat (nothing is sent to them before this holds), and announces itself again.
  for (const auto& name : all) {
    EXPECT_TRUE(testing::waitFor(
        [&] { return fleet().node(name).log().find("back on the bus") != std::string::npos; }, 10s))
        << name << " did not announce itself again\n"
        << fleet().node(name).log();
  }

  Result last;
  bool back = testing::waitFor(
      [&] {
        last = fleet().drover({"ping", "--json"});
        if (last.exitCode != 0) return false;
        return Json::parse(last.out).at("summary").at("answered") == all.size();
      },
      10s);
  EXPECT_TRUE(back) << "not every node answered within 10 s of the restart\n"
                    << last << fleet().logs();
  for (std::size_t i = 0; i < all.size(); ++i) {
    Node& node = fleet().node(all[i]);
    EXPECT_TRUE(node.running()) << all[i];
    EXPECT_EQ(node.pid(), pids[i]) << all[i] << " was restarted";
  }
  Result echo = fleet().drover({"rpc", "echo", "echo", "message=after-restart"});
  EXPECT_EQ(echo.exitCode, 0) << echo;
  EXPECT_THAT(echo.out, HasSubstr("4 of 4 nodes answered, 4 ok")) << echo;
}

// ---- a broker gone silent: no reset comes, the node finds out anyway --------------------

// The node runs in a network namespace of its own, its veth pair on a test bridge where
// the broker also listens. Its link is cut at the bridge: packets vanish, no TCP reset
// or FIN arrives, and the idle node sends nothing. Within three silent intervals of its
// own (about 8 s) the node must give the connection up, not sit on it for ever, and once
// the link is back it connects again and announces itself.
TEST(SilentBrokerLoss, ACutLinkIsGivenUpAndTheNodeComesBackWhenItReturns) {
  ASSERT_EQ(::geteuid(), 0u) << "this test makes a bridge and a network namespace";
  const int n = static_cast<int>(::getpid() % 250) + 1;
  const std::string bridge = "sbl" + std::to_string(::getpid() % 100000);
  const std::string gateway = "10.215." + std::to_string(n) + ".1";
  const std::string address = "10.215." + std::to_string(n) + ".2";
  const std::string netns = bridge + "-node";
  const std::string hostEnd = bridge + "h";
  testing::TestBridge network(bridge, gateway + "/24");  // removes netns and links too
  testing::runChecked({"ip", "netns", "add", netns});
  testing::runChecked(
      {"ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", netns});
  testing::runChecked({"ip", "link", "set", hostEnd, "master", bridge, "up"});
  testing::runChecked({"ip", "-n", netns, "address", "add", address + "/24", "dev", "eth0"});
  testing::runChecked({"ip", "-n", netns, "link", "set", "eth0", "up"});
  testing::runChecked({"ip", "-n", netns, "link", "set", "lo", "up"});

  Fleet fleet(std::vector<std::string>{gateway});
  NodeSpec spec = echoNode("cut-off", "eu-west-1");
  spec.launcher = {"/usr/bin/ip", "netns", "exec", netns};
  spec.brokerAddress = gateway;
  Node& node = fleet.addNode(spec);
  ASSERT_EQ(fleet.drover({"ping", "-I", "cut-off"}).exitCode, 0) << fleet.logs();
  const std::string subscribe = fleet.endpointsOn(gateway).subscribe;
  const int port = std::stoi(subscribe.substr(subscribe.rfind(':') + 1));
  // The node's subscription as its kernel sees it: /proc/PID/net/tcp is the table of
  // the process's network namespace ("sl local remote st ...", st 01: established).
  auto connectedToBroker = [&] {
    std::ifstream table("/proc/" + std::to_string(node.pid()) + "/net/tcp");
    std::string line;
    std::getline(table, line);  // the header
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      auto colon = remote.find(':');
      if (state == "01" && colon != std::string::npos &&
          std::stoi(remote.substr(colon + 1), nullptr, 16) == port) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(connectedToBroker());

  testing::runChecked({"ip", "link", "set", hostEnd, "down"});
  EXPECT_TRUE(testing::waitFor([&] { return !connectedToBroker(); }, 60s))
      << "the node still holds its connection to a broker it cannot reach\n"
      << node.log();

  testing::runChecked({"ip", "link", "set", hostEnd, "up"});
  EXPECT_TRUE(testing::waitFor(
      [&] { return node.log().find("back on the bus") != std::string::npos; }, 30s))
      << node.log();
  Result ping = fleet.drover({"ping", "-I", "cut-off"});
  EXPECT_EQ(ping.exitCode, 0) << ping << fleet.logs();
}

// ---- programs started by a node's agents die with it --------------------------------

namespace fs = std::filesystem;

std::string readText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Running: alive and not a zombie waiting for a reaper.
bool processRunning(pid_t pid) {
  std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Every process below `pid` now: children, their children, and so on.
std::set<pid_t> descendants(pid_t pid) {
  std::set<pid_t> found;
  std::vector<pid_t> todo{pid};
  while (!todo.empty()) {
    fs::path tasks = "/proc/" + std::to_string(todo.back()) + "/task";
    todo.pop_back();
    std::error_code ec;
    for (fs::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) {
      std::istringstream children(readText(it->path() / "children"));
      for (pid_t child; children >> child;) {
        if (found.insert(child).second) todo.push_back(child);
      }
    }
  }
  return found;
}

std::string commandLine(pid_t pid) {
  std::string text = readText("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// A TCP port that accepts connections and never says a word: a Puppet master that hangs.
class SilentServer {
 public:
  SilentServer() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

const char* kSleeperDdl = R"({
  "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
  "metadata": {"name": "sleeper", "description": "Runs a real sleep in a child of its own",
               "author": "Drover maintainers", "license": "Apache-2.0", "version": "1.0.0",
               "url": "https://example.org/drover", "provider": "external", "timeout": 600},
  "actions": [{"action": "nap", "description": "Sleep five minutes", "display": "always",
               "input": {}, "output": {}}]
})";

// The sleep is a child of the agent's shell, not of droverd: its pid goes to sleep.pid.
const char* kSleeper = R"(#!/bin/sh
cat >/dev/null
here=$(dirname "$0")
sleep 300 &
echo $! > "$here/sleep.pid.tmp" && mv "$here/sleep.pid.tmp" "$here/sleep.pid"
wait
)";

const char* kAdminOnly =
    "default: deny\nrules:\n  - allow:\n      callers: \"*\"\n"
    "      roles: [admin]\n      actions: \"*\"\n";

class KilledNode : public FleetSuite {
 protected:
  static void SetUpTestSuite() {
    silent_ = std::make_unique<SilentServer>();
    root_ = std::make_unique<testing::TempDir>();
    testing::writeNodePuppetConfig(root_->path(), {},
                                   {{"certname", "guarded"},
                                    {"server", "127.0.0.1"},
                                    {"serverport", std::to_string(silent_->port())}});
    NodeSpec spec;
    spec.identity = "guarded";
    spec.facts = "region: eu-west-1\n";
    spec.agentFiles = {{"sleeper.json", kSleeperDdl}, {"sleeper", kSleeper}};
    spec.policies = {{"sleeper", kAdminOnly}, {"puppet", kAdminOnly}};
    spec.extraArgs = {"--root", root_->path().string(), "--puppet-confdir", "/etc/puppet"};
    startFleet({spec});
  }
  static void TearDownTestSuite() {
    FleetSuite::TearDownTestSuite();
    silent_.reset();
    root_.reset();
  }

  // Starts `args` on the node (the CLI gives up after 5 s), waits until `started` says
  // the program runs, SIGKILLs droverd: then every process it had started must go.
  static std::string killWhileRunning(const std::vector<std::string>& args,
                                      const std::function<bool(const std::set<pid_t>&)>& started) {
    Node& node = fleet().node("guarded");
    if (!node.running()) {
      node.start();
      node.waitReady(15s);
    }
    auto call = std::async(std::launch::async, [args] { return fleet().drover(args); });
    std::set<pid_t> below;
    bool running = testing::waitFor([&] { return started(below = descendants(node.pid())); }, 60s);
    node.kill();
    Result result = call.get();
    if (!running) {
      std::ostringstream why;
      why << "the program never started\n" << result << node.log();
      return why.str();
    }
    bool gone = testing::waitFor(
        [&] {
          for (pid_t pid : below) {
            if (processRunning(pid)) return false;
          }
          return true;
        },
        20s);
    std::string left;
    for (pid_t pid : below) {
      if (!processRunning(pid)) continue;
      left += "  " + std::to_string(pid) + ": " + commandLine(pid) + "\n";
      ::kill(pid, SIGKILL);
    }
    return gone ? "" : "still running 20 s after droverd was killed:\n" + left;
  }

  static inline std::unique_ptr<SilentServer> silent_;
  static inline std::unique_ptr<testing::TempDir> root_;
};

TEST_F(KilledNode, AnExternalAgentsProgramAndItsChildrenDieWithDroverd) {
  fs::path pidFile = fleet().node("guarded").agentsDir() / "sleep.pid";
  fs::remove(pidFile);
  // The CLI validates against the agent's DDL too: it is in the node's agents dir.
  std::string ddlDirs = ddlDir().string() + "," + fleet().node("guarded").agentsDir().string();
  std::string failure = killWhileRunning(
      {"rpc", "sleeper", "nap", "-I", "guarded", "--timeout", "5", "--ddl-dirs", ddlDirs},
      [&](const std::set<pid_t>&) { return fs::exists(pidFile); });
  EXPECT_EQ(failure, "");
  pid_t sleeper = 0;
  std::istringstream(readText(pidFile)) >> sleeper;
  ASSERT_GT(sleeper, 0);
  EXPECT_FALSE(processRunning(sleeper)) << "sleep " << sleeper << " outlived droverd";
}

// A Puppet run stuck on a master that does not answer: the same spawn path.
TEST_F(KilledNode, APuppetRunDiesWithDroverd) {
  std::string failure =
      killWhileRunning({"rpc", "puppet", "runonce", "-I", "guarded", "--timeout", "5"},
                       [](const std::set<pid_t>& below) {
                         for (pid_t pid : below) {
                           if (commandLine(pid).find("puppet agent") != std::string::npos)
                             return true;
                         }
                         return false;
                       });
  EXPECT_EQ(failure, "");
}

}  // namespace
}  // namespace drover::integration
