// The sd_notify protocol spoken without libsystemd: the datagram reaches a socket named
// by path or in the abstract namespace, addresses systemd would not give a service are
// refused, and the watchdog is the one set for this process. (The daemons' own use of it
// is tested in tests/integration/service_notify_test.cpp, and under real systemd by the
// booted image, tests/e2e/image.)
#include "core/service/notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace drover::service {
namespace {

using namespace std::chrono_literals;

// A datagram socket bound where NOTIFY_SOCKET says, as systemd's is; NOTIFY_SOCKET is
// unset again when it goes.
class Manager {
 public:
  explicit Manager(const std::string& where) {
    sockaddr_un address{};
    socklen_t length = 0;
    if (!notifySocketAddress(where, address, length)) throw std::runtime_error("bad address");
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0)
      throw std::runtime_error("cannot bind " + where);
    ::setenv("NOTIFY_SOCKET", where.c_str(), 1);
  }
  ~Manager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // The next datagram; empty when none arrives in 5 s.
  std::string next() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return "";
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
};

TEST(Notify, TheStateReachesASocketNamedByItsPath) {
  char dir[] = "/tmp/drover-notify-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/notify";
  {
    Manager manager(path);
    ready("serving 3 agents\non the bus");
    EXPECT_EQ(manager.next(), "READY=1\nSTATUS=serving 3 agents on the bus");
    stopping();
    EXPECT_EQ(manager.next(), "STOPPING=1\nSTATUS=stopping");
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST(Notify, TheStateReachesASocketInTheAbstractNamespace) {
  Manager manager("@drover-notify-test-" + std::to_string(::getpid()));
  reloading();
  EXPECT_EQ(manager.next(), "RELOADING=1\nSTATUS=reloading");
  status("reloaded");
  EXPECT_EQ(manager.next(), "STATUS=reloaded");
}

TEST(Notify, OnlyAPathOrAnAbstractNameIsAnAddress) {
  sockaddr_un address{};
  socklen_t length = 0;
  for (const std::string& where :
       {std::string(), std::string("relative/notify"), std::string("@"),
        std::string("vsock:2:1234"), "/" + std::string(sizeof(address.sun_path), 'x')}) {
    EXPECT_FALSE(notifySocketAddress(where, address, length)) << where;
  }
  ASSERT_TRUE(notifySocketAddress("@name", address, length));
  EXPECT_EQ(address.sun_path[0], '\0');
  EXPECT_EQ(length, offsetof(sockaddr_un, sun_path) + 5);  // no terminator in the name
  ASSERT_TRUE(notifySocketAddress("/run/notify", address, length));
  EXPECT_STREQ(address.sun_path, "/run/notify");
  EXPECT_EQ(length, offsetof(sockaddr_un, sun_path) + 12);
}

// Run by hand (no NOTIFY_SOCKET) nothing is sent, and a socket nobody binds is no
// error: the next state said with the socket named is the first to arrive.
TEST(Notify, WithoutASocketNothingIsSent) {
  Manager manager("@drover-notify-quiet-" + std::to_string(::getpid()));
  ::unsetenv("NOTIFY_SOCKET");
  ready("run by hand");
  ::setenv("NOTIFY_SOCKET", "/nonexistent/dir/notify", 1);
  ready("nobody listens");
  ::setenv("NOTIFY_SOCKET", ("@drover-notify-quiet-" + std::to_string(::getpid())).c_str(), 1);
  status("under a service manager");
  EXPECT_EQ(manager.next(), "STATUS=under a service manager");
}

TEST(Notify, TheWatchdogIsTheOneSetForThisProcess) {
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdogInterval(), 0us);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(watchdogInterval(), 30s);
  EXPECT_EQ(Watchdog().pollBudget(), 15s);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdogInterval(), 30s);
  ::setenv("WATCHDOG_PID", "1", 1);  // the parent's, inherited through an exec
  EXPECT_EQ(watchdogInterval(), 0us);
  EXPECT_FALSE(Watchdog().enabled());
  ::unsetenv("WATCHDOG_PID");
  for (const char* bad : {"", "soon", "-5", "30s", "0"}) {
    ::setenv("WATCHDOG_USEC", bad, 1);
    EXPECT_EQ(watchdogInterval(), 0us) << bad;
  }
  ::unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace drover::service
