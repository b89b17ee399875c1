// SystemWatch (core/facts/system_watch.hpp): it reports a new host name and a change of
// interfaces or addresses, each once. Every change is made on a thread of the test's
// own, in new network and UTS namespaces (they are per thread), so nothing else on the
// machine sees them; the events are queued by the system call that makes the change.
#include "core/facts/system_watch.hpp"

#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::facts {
namespace {

// Runs `body` on a new thread in namespaces of its own; returns why it could not, or "".
template <typename Body>
std::string inPrivateNamespaces(Body body) {
  std::string refused;
  std::thread thread([&] {
    if (::unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) {
      refused = std::string("unshare(CLONE_NEWNET | CLONE_NEWUTS): ") + std::strerror(errno);
      return;
    }
    body();
  });
  thread.join();
  return refused;
}

TEST(SystemWatch, ReportsANewHostNameOnce) {
  std::string refused = inPrivateNamespaces([] {
    SystemWatch watch;
    ASSERT_TRUE(watch.watchesHostname());
    EXPECT_FALSE(watch.takeChanged()) << "nothing changed yet";
    const std::string name = "drover-watch-test";
    ASSERT_EQ(::sethostname(name.c_str(), name.size()), 0) << std::strerror(errno);
    // As in a daemon's loop: its poll() of the descriptor comes first, and the
    // kernel's event for the host name is spent by it.
    pollfd item{watch.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&item, 1, 0), 1) << "the change did not make the descriptor readable";
    EXPECT_TRUE(watch.takeChanged());
    EXPECT_FALSE(watch.takeChanged()) << "one change, reported twice";
  });
  if (!refused.empty()) GTEST_SKIP() << refused << " (needs CAP_SYS_ADMIN)";
}

TEST(SystemWatch, ReportsALinkComingUpAndAnAddressAddedAndRemoved) {
  std::string refused = inPrivateNamespaces([] {
    SystemWatch watch;
    EXPECT_FALSE(watch.takeChanged());
    // `ip` forked from this thread runs in its network namespace.
    testing::runChecked({"ip", "link", "set", "lo", "up"});
    pollfd item{watch.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&item, 1, 0), 1) << "the change did not make the descriptor readable";
    EXPECT_TRUE(watch.takeChanged());
    EXPECT_FALSE(watch.takeChanged());
    testing::runChecked({"ip", "address", "add", "10.250.1.2/24", "dev", "lo"});
    EXPECT_TRUE(watch.takeChanged());
    testing::runChecked({"ip", "-6", "address", "add", "fd00:250::2/64", "dev", "lo"});
    EXPECT_TRUE(watch.takeChanged());
    testing::runChecked({"ip", "address", "del", "10.250.1.2/24", "dev", "lo"});
    EXPECT_TRUE(watch.takeChanged());
    EXPECT_FALSE(watch.takeChanged());
  });
  if (!refused.empty()) GTEST_SKIP() << refused << " (needs CAP_SYS_ADMIN)";
}

}  // namespace
}  // namespace drover::facts
