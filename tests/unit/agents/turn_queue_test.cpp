// Puppet's ssldir served in the order the actions asked for it.
#include "agents/provision/turn_queue.hpp"

#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::agents::provision {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const auto kLong = [] { return Clock::now() + 60s; };

// Callers line up while the first holds its turn; each notes when its turn came.
TEST(TurnQueue, TurnsComeInTheOrderTheyWereAskedFor) {
  TurnQueue queue;
  std::mutex mutex;
  std::vector<int> order;
  auto first = queue.wait(kLong());
  ASSERT_TRUE(first);
  std::vector<std::thread> waiting;
  for (int i = 0; i < 5; ++i) {
    waiting.emplace_back([&, i] {
      auto turn = queue.wait(kLong());
      std::lock_guard lock(mutex);
      order.push_back(turn ? i : -1);
    });
    // In line before the next one asks.
    ASSERT_TRUE(testing::waitFor([&] { return queue.length() == std::size_t(i) + 2; }, 10s));
  }
  first.reset();
  for (auto& thread : waiting) thread.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(queue.length(), 0u);
}

// A caller whose deadline passes leaves the line; those behind it are not held up.
TEST(TurnQueue, AWaitThatRunsOutLeavesTheLine) {
  TurnQueue queue;
  auto first = queue.wait(kLong());
  ASSERT_TRUE(first);
  std::optional<TurnQueue::Turn> later;
  std::thread behind([&] { later = queue.wait(kLong()); });
  ASSERT_TRUE(testing::waitFor([&] { return queue.length() == 2; }, 10s));
  EXPECT_FALSE(queue.wait(Clock::now() + 10ms));
  EXPECT_EQ(queue.length(), 2u);
  first.reset();
  behind.join();
  EXPECT_TRUE(later);
  later.reset();
  EXPECT_TRUE(queue.wait(Clock::now()));  // free: no wait at all
}

}  // namespace
}  // namespace drover::agents::provision
