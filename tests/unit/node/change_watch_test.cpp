// ChangeWatch (node/change_watch.hpp): what each watched file's change means to the
// node, and that a burst of changes is held for its settle time and handed over once.
// Time is passed in, so nothing here waits on the clock. Each case runs on a thread in
// a network namespace of its own where it can have one, so links other tests make on
// the machine meanwhile do not count as changes here.
#include "node/change_watch.hpp"

#include <sched.h>

#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs `body` on a thread in a new, empty network namespace (the rtnetlink socket a
// ChangeWatch opens there hears only it); on this thread when that is not allowed.
template <typename Body>
void inQuietNetwork(Body body) {
  bool ran = false;
  std::thread thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    ran = true;
    body();
  });
  thread.join();
  if (!ran) body();
}

struct Watched {
  testing::TempDir dir;
  NodeConfig config;
  std::vector<zmq::pollitem_t> items;

  Watched() {
    config.identity = "watched";
    config.factsFile = dir / "facts.yaml";
    config.classesFile = dir / "classes.txt";
    config.crlFile = dir / "ssl" / "crl.pem";
    config.policyDir = dir / "policies";
    fs::create_directories(dir / "ssl");
    fs::create_directories(dir / "policies");
  }

  // Polls the watch's descriptors without waiting and collects what they say.
  void collect(ChangeWatch& watch, ChangeWatch::Clock::time_point now) {
    items.clear();
    watch.addPollItems(items);
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(0));
    watch.collect(items.data(), now);
  }
};

TEST(ChangeWatch, EachFileMeansWhatTheNodeReReads) {
  inQuietNetwork([] {
    Watched w;
    ChangeWatch watch(w.config, /*security=*/true);
    auto now = ChangeWatch::Clock::now();

    util::writeFileAtomically(w.config.crlFile, "crl\n");
    w.collect(watch, now);
    EXPECT_EQ(watch.due(), now + 100ms);
    auto early = watch.take(now + 99ms);
    EXPECT_FALSE(early.any()) << "handed over before the settle time";
    auto changes = watch.take(now + 100ms);
    EXPECT_TRUE(changes.crl);
    EXPECT_FALSE(changes.facts);
    EXPECT_FALSE(changes.policies);
    EXPECT_EQ(watch.due(), ChangeWatch::Clock::time_point::max()) << "nothing left pending";

    util::writeFileAtomically(w.config.policyDir / "puppet.yaml", "default: deny\n");
    w.collect(watch, now + 1s);
    changes = watch.take(now + 2s);
    EXPECT_TRUE(changes.policies);
    EXPECT_FALSE(changes.crl);

    util::writeFileAtomically(w.config.classesFile, "role::web\n");
    w.collect(watch, now + 3s);
    changes = watch.take(now + 4s);
    EXPECT_TRUE(changes.facts);
    EXPECT_FALSE(changes.policies);
  });
}

TEST(ChangeWatch, ABurstIsHandedOverOnceAtTheEndOfTheFirstChangesSettleTime) {
  inQuietNetwork([] {
    Watched w;
    ChangeWatch watch(w.config, /*security=*/true);
    auto now = ChangeWatch::Clock::now();
    util::writeFileAtomically(w.config.factsFile, "a: 1\n");
    w.collect(watch, now);
    util::writeFileAtomically(w.config.crlFile, "crl\n");
    w.collect(watch, now + 60ms);
    EXPECT_EQ(watch.due(), now + 100ms) << "a later change must not put the first one off";
    auto changes = watch.take(now + 100ms);
    EXPECT_TRUE(changes.facts);
    EXPECT_TRUE(changes.crl);
    EXPECT_FALSE(watch.take(now + 1s).any());
  });
}

TEST(ChangeWatch, WithSecurityOffTheCrlAndPoliciesAreNotWatched) {
  inQuietNetwork([] {
    Watched w;
    ChangeWatch watch(w.config, /*security=*/false);
    auto now = ChangeWatch::Clock::now();
    util::writeFileAtomically(w.config.crlFile, "crl\n");
    util::writeFileAtomically(w.config.policyDir / "puppet.yaml", "default: deny\n");
    w.collect(watch, now);
    EXPECT_FALSE(watch.take(now + 1s).any());
    util::writeFileAtomically(w.config.factsFile, "a: 1\n");
    w.collect(watch, now + 2s);
    EXPECT_TRUE(watch.take(now + 3s).facts);
  });
}

TEST(ChangeWatch, NothingPendingMeansNoTimerAtAll) {
  inQuietNetwork([] {
    Watched w;
    ChangeWatch watch(w.config, /*security=*/true);
    EXPECT_EQ(watch.due(), ChangeWatch::Clock::time_point::max())
        << "an idle node would wake for nothing";
  });
}

}  // namespace
}  // namespace drover::node
