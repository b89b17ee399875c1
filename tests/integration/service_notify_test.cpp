// What the daemons tell systemd in their Type=notify units (sd_notify): droverd is ready
// only once the broker answers, says so again after a reload (SIGHUP), pings the watchdog
// from its bus loop and says when it stops; the provisioner likewise; the broker is ready
// once bound and a reload does not stop it. A unix datagram socket of the test stands in
// for systemd's.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/process.hpp"
#include "tests/integration/fleet.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class NotifySocket {
 public:
  explicit NotifySocket(fs::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
      throw std::runtime_error("notify socket " + path_.string() + ": " + std::strerror(errno));
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }
  /// What systemd gives a Type=notify unit with WatchdogSec=1s, as a command prefix:
  /// /usr/bin/env execs the program in the same process.
  std::vector<std::string> launcher() const {
    return {"/usr/bin/env", env(), "WATCHDOG_USEC=1000000"};
  }

  /// Every assignment received so far ("READY=1", "STATUS=..."), in order.
  std::vector<std::string> received() {
    char buffer[4096];
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      std::string datagram(buffer, static_cast<std::size_t>(n));
      for (std::size_t at = 0; at < datagram.size();) {
        std::size_t end = datagram.find('\n', at);
        if (end == std::string::npos) end = datagram.size();
        if (end > at) lines_.push_back(datagram.substr(at, end - at));
        at = end + 1;
      }
    }
    return lines_;
  }
  std::size_t count(const std::string& line) {
    auto all = received();
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), line));
  }
  bool waitCount(const std::string& line, std::size_t n) {
    return testing::waitFor([&] { return count(line) >= n; }, 20s);
  }
  bool saw(const std::string& prefix) {
    auto all = received();
    return std::any_of(all.begin(), all.end(),
                       [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
  }

 private:
  fs::path path_;
  int fd_ = -1;
  std::vector<std::string> lines_;
};

std::vector<std::string> operator+(std::vector<std::string> prefix,
                                   const std::vector<std::string>& argv) {
  prefix.insert(prefix.end(), argv.begin(), argv.end());
  return prefix;
}

// A daemon that said READY=1: it pings the watchdog at least every half second (a quarter
// of the interval or more), says RELOADING=1 then READY=1 again on SIGHUP, and STOPPING=1
// when `stop` ends it cleanly.
void expectWatchdogReloadAndStop(NotifySocket& systemd, pid_t pid,
                                 const std::function<int()>& stop) {
  ASSERT_TRUE(systemd.waitCount("WATCHDOG=1", 3));
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  ASSERT_TRUE(systemd.waitCount("RELOADING=1", 1));
  ASSERT_TRUE(systemd.waitCount("READY=1", 2)) << "not ready again after the reload";
  EXPECT_EQ(stop(), 0);
  EXPECT_EQ(systemd.count("STOPPING=1"), 1u);
}

TEST(ServiceNotify, DroverdIsReadyOnlyOnceTheBrokerAnswersAndPingsItsWatchdog) {
  Fleet fleet;
  fleet.stopBroker();
  testing::TempDir dir;
  NotifySocket systemd(dir / "notify");
  NodeSpec spec;
  spec.identity = "notified";
  spec.launcher = systemd.launcher();
  Node& node = fleet.launchNode(spec);

  // No broker: it says what it waits for, and is not ready.
  ASSERT_TRUE(
      testing::waitFor([&] { return systemd.saw("STATUS=waiting for the bus at broker "); }, 20s))
      << node.log();
  ASSERT_TRUE(testing::waitFor(
      [&] { return node.log().find("not answering yet") != std::string::npos; }, 20s));
  EXPECT_EQ(systemd.count("READY=1"), 0u);

  fleet.startBroker();
  ASSERT_TRUE(systemd.waitCount("READY=1", 1)) << node.log();
  EXPECT_TRUE(systemd.saw("STATUS=node notified on the bus at "));
  expectWatchdogReloadAndStop(systemd, node.pid(), [&] { return node.stop(); });
}

TEST(ServiceNotify, TheProvisionerIsReadyOnTheBusReloadsAndSaysItStops) {
  Fleet fleet;
  testing::TempDir dir;
  NotifySocket systemd(dir / "notify");
  bus::Endpoints bus = fleet.endpoints();
  testing::Process provisioner(
      systemd.launcher() +
          std::vector<std::string>{
              testing::binary("drover-provisioner").string(), "--identity", "notify.provisioner",
              "--broker-publish", bus.publish, "--broker-subscribe", bus.subscribe,
              "--security-enabled", "false", "--state-db", (dir / "state.db").string(),
              "--metrics-listen", "", "--flow-file",
              (fs::path(DROVER_SOURCE_DIR) / "etc/flows/classic.yaml").string()},
      dir / "provisioner.log");
  ASSERT_TRUE(systemd.waitCount("READY=1", 1)) << provisioner.log();
  EXPECT_TRUE(systemd.saw("STATUS=provisioner notify.provisioner on the bus at "));
  expectWatchdogReloadAndStop(systemd, provisioner.pid(), [&] { return provisioner.stop(); });
}

TEST(ServiceNotify, TheBrokerIsReadyOnceBoundAndAReloadDoesNotStopIt) {
  testing::TempDir dir;
  NotifySocket systemd(dir / "notify");
  std::string ingress = "tcp://127.0.0.1:" + std::to_string(testing::freePort());
  std::string egress = "tcp://127.0.0.1:" + std::to_string(testing::freePort());
  testing::Process broker(
      systemd.launcher() + std::vector<std::string>{testing::binary("drover-broker").string(),
                                                    "--ingress", ingress, "--egress", egress},
      dir / "broker.log");
  ASSERT_TRUE(systemd.waitCount("READY=1", 1)) << broker.log();
  EXPECT_TRUE(systemd.saw("STATUS=forwarding: ingress=" + ingress));
  ASSERT_TRUE(systemd.waitCount("WATCHDOG=1", 3));
  ASSERT_EQ(::kill(broker.pid(), SIGHUP), 0);
  std::size_t pings = systemd.count("WATCHDOG=1");
  ASSERT_TRUE(systemd.waitCount("WATCHDOG=1", pings + 2)) << "the reload stopped it";
  EXPECT_TRUE(broker.running());
  EXPECT_EQ(broker.stop(), 0);
  EXPECT_EQ(systemd.count("STOPPING=1"), 1u);
}

}  // namespace
}  // namespace drover::integration
