// Replay refusal: seen ids, expiry, the size bound, memory estimate, and time checks.
#include "core/security/replay_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/security/verify_error.hpp"

namespace drover::security {
namespace {

using Reason = VerifyError::Reason;

std::string idNumber(int n) { return "0123456789abcdef0123456789abcd" + std::to_string(1000 + n); }

TEST(SecurityReplayCache, DuplicateWithinTtlIsRefused) {
  ReplayCache cache;
  EXPECT_TRUE(cache.checkAndInsert("a", 2000, 1000));
  EXPECT_FALSE(cache.checkAndInsert("a", 2000, 1500));
  EXPECT_FALSE(cache.checkAndInsert("a", 9000, 1999));  // a later expiry does not help
  EXPECT_TRUE(cache.checkAndInsert("b", 2000, 1500));
}

TEST(SecurityReplayCache, ExpiryFreesTheEntry) {
  ReplayCache cache;
  EXPECT_TRUE(cache.checkAndInsert("a", 2000, 1000));
  EXPECT_TRUE(cache.checkAndInsert("b", 5000, 1000));
  EXPECT_TRUE(cache.checkAndInsert("c", 5000, 2000));  // drops "a" on the way
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.checkAndInsert("a", 3000, 2000));
}

TEST(SecurityReplayCache, AlreadyExpiredIdIsNotRecorded) {
  ReplayCache cache;
  EXPECT_FALSE(cache.checkAndInsert("a", 1000, 1000));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SecurityReplayCache, FullCacheEvictsTheEntryExpiringSoonest) {
  ReplayCache cache(3);
  EXPECT_TRUE(cache.checkAndInsert("late", 9000, 0));
  EXPECT_TRUE(cache.checkAndInsert("soon", 1000, 0));
  EXPECT_TRUE(cache.checkAndInsert("mid", 5000, 0));
  EXPECT_TRUE(cache.checkAndInsert("new", 7000, 0));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.checkAndInsert("soon", 1000, 0));  // evicted, so (documented) replayable
  EXPECT_FALSE(cache.checkAndInsert("late", 9000, 0));
  EXPECT_FALSE(cache.checkAndInsert("new", 7000, 0));
}

TEST(SecurityReplayCache, MemoryEstimateGrowsLinearly) {
  ReplayCache cache;
  std::size_t empty = cache.memoryBytes();
  for (int i = 0; i < 1000; ++i) cache.checkAndInsert(idNumber(i), 60'000, 0);
  std::size_t thousand = cache.memoryBytes() - empty;
  for (int i = 1000; i < 2000; ++i) cache.checkAndInsert(idNumber(i), 60'000, 0);
  std::size_t twoThousand = cache.memoryBytes() - empty;
  EXPECT_GT(thousand, 1000u * 32);  // at least the 32-character ids themselves
  double ratio = static_cast<double>(twoThousand) / static_cast<double>(thousand);
  EXPECT_NEAR(ratio, 2.0, 0.35);  // the bucket array grows in steps
}

TEST(SecurityReplayCache, ConcurrentInsertsOfOneIdAdmitExactlyOne) {
  ReplayCache cache;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (cache.checkAndInsert(idNumber(i), 60'000, 0)) ++admitted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 500);
}

TEST(SecurityFreshness, OldAndFutureMessagesAreRefused) {
  constexpr std::int64_t now = 1'700'000'000'000;
  EXPECT_NO_THROW(checkFreshness(now - 59'000, 60, now, kDefaultMaxSkewMs, "request x"));
  EXPECT_NO_THROW(checkFreshness(now + 29'000, 60, now, kDefaultMaxSkewMs, "request x"));
  try {
    checkFreshness(now - 70'000, 60, now, kDefaultMaxSkewMs, "request x");
    FAIL() << "stale request accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::Stale);
    EXPECT_STREQ(e.what(), "request x expired 10 s ago (ttl 60 s)");
  }
  try {
    checkFreshness(now + 45'000, 60, now, kDefaultMaxSkewMs, "request x");
    FAIL() << "future request accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::FromFuture);
  }
}

TEST(SecurityFreshness, EnvelopeIdIsRecordedUntilItExpires) {
  ReplayCache cache;
  envelope::Envelope env;
  env.id = "00112233445566778899aabbccddeeff";
  env.sender = "alice.admin";
  env.time = 1'000'000;
  env.ttl = 60;
  EXPECT_NO_THROW(checkUnseen(env, cache, 1'001'000));
  try {
    checkUnseen(env, cache, 1'002'000);
    FAIL() << "replay accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::Replayed);
    EXPECT_STREQ(e.what(),
                 "request 00112233445566778899aabbccddeeff from 'alice.admin' was already "
                 "received (replay)");
  }
}

// 25 signed pings with 3.9 MB ids once kept 120 MB for an hour: an entry's size must
// not depend on what the sender wrote.
TEST(SecurityReplayCache, EntriesHaveAFixedSizeWhateverTheId) {
  ReplayCache small, large;
  for (int i = 0; i < 25; ++i) {
    small.checkAndInsert(std::to_string(i), 3'600'000, 0);
    large.checkAndInsert(std::string(4'000'000, 'a') + std::to_string(i), 3'600'000, 0);
  }
  EXPECT_EQ(large.size(), 25u);
  EXPECT_EQ(large.memoryBytes(), small.memoryBytes());
  EXPECT_LT(large.memoryBytes(), 25u * 256u);
  // Long ids are told apart by their digest, and seen again as the same.
  EXPECT_FALSE(large.checkAndInsert(std::string(4'000'000, 'a') + "7", 3'600'000, 0));
  EXPECT_EQ(ReplayCache::keyOf("00112233445566778899aabbccddeeff"),
            (ReplayCache::Key{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                              0xbb, 0xcc, 0xdd, 0xee, 0xff}));
}

}  // namespace
}  // namespace drover::security
