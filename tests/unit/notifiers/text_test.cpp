// The time and duration formats and the HMAC the notifiers use.
#include <gtest/gtest.h>

#include "notifiers/text.hpp"

namespace drover::notifiers {
namespace {

TEST(Text, Durations) {
  EXPECT_EQ(formatDuration(0), "0 ms");
  EXPECT_EQ(formatDuration(850), "850 ms");
  EXPECT_EQ(formatDuration(4200), "4.2 s");
  EXPECT_EQ(formatDuration(5000), "5 s");
  EXPECT_EQ(formatDuration(60'000), "1 min");
  EXPECT_EQ(formatDuration(192'000), "3 min 12 s");
  EXPECT_EQ(formatDuration(7'500'000), "2 h 5 min");
}

TEST(Text, TimesInUtcWithEnglishNames) {
  EXPECT_EQ(rfc5322Date(1'714'564'803'250), "Wed, 01 May 2024 12:00:03 +0000");
  EXPECT_EQ(rfc3339(1'714'564'803'250), "2024-05-01T12:00:03.250Z");
}

TEST(Text, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace drover::notifiers
