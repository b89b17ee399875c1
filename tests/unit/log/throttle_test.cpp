#include "core/log/throttle.hpp"

#include <gtest/gtest.h>

namespace drover::log {
namespace {

using namespace std::chrono_literals;
using Clock = LogThrottle::Clock;

TEST(LogThrottle, WritesTheFirstLinesThenCountsTheRest) {
  LogThrottle throttle(3, 10s);
  const Clock::time_point t0{};
  int written = 0;
  for (int i = 0; i < 100; ++i)
    written += throttle.admit(t0 + std::chrono::milliseconds(i)) ? 1 : 0;
  EXPECT_EQ(written, 3);
  EXPECT_EQ(throttle.suppressedTotal(), 97u);
  EXPECT_EQ(throttle.takeSuppressed(t0 + 9s), 0u);  // the window still runs
  EXPECT_EQ(throttle.takeSuppressed(t0 + 10s), 97u);
  EXPECT_EQ(throttle.takeSuppressed(t0 + 11s), 0u);  // reported once
}

TEST(LogThrottle, ANewWindowWritesAgain) {
  LogThrottle throttle(2, 10s);
  const Clock::time_point t0{};
  EXPECT_TRUE(throttle.admit(t0));
  EXPECT_TRUE(throttle.admit(t0 + 1s));
  EXPECT_FALSE(throttle.admit(t0 + 2s));
  EXPECT_EQ(throttle.takeSuppressed(t0 + 12s), 1u);
  EXPECT_TRUE(throttle.admit(t0 + 12s));
  EXPECT_TRUE(throttle.admit(t0 + 13s));
  EXPECT_FALSE(throttle.admit(t0 + 14s));
  EXPECT_EQ(throttle.takeAllSuppressed(), 1u);  // at shutdown, window over or not
  EXPECT_EQ(throttle.suppressedTotal(), 2u);
}

// 4 MB of a hostile sender's bytes become one short, printable quote.
TEST(LogClip, CutsAndEscapesWhatItQuotes) {
  EXPECT_EQ(clip("web1"), "web1");
  EXPECT_EQ(clip(std::string("a\nb\x01\\", 5)), "a\\x0ab\\x01\\x5c");
  EXPECT_EQ(clip(std::string(4'000'000, 'x'), 8), "xxxxxxxx...(+3999992 bytes)");
  EXPECT_EQ(clip("\xc3\xa9t\xc3\xa9"), "\\xc3\\xa9t\\xc3\\xa9");
}

}  // namespace
}  // namespace drover::log
