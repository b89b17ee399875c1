// The provisioning claim: who gets it, renewals, expiry, release, persistence.
#include "agents/provision/claim.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::agents::provision {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1'700'000'000'000;

TEST(ClaimDecision, FreeNodeIsGranted) {
  ClaimDecision d = decideClaim(std::nullopt, "prov-a", 60s, kStart);
  EXPECT_TRUE(d.granted);
  EXPECT_FALSE(d.renewed);
  EXPECT_EQ(d.holder.owner, "prov-a");
  EXPECT_EQ(d.holder.claimedAtMs, kStart);
  EXPECT_EQ(d.holder.expiresAtMs, kStart + 60'000);
}

TEST(ClaimDecision, LiveClaimOfAnotherOwnerIsRefusedAndNamed) {
  Claim held{"prov-a", kStart, kStart + 60'000};
  ClaimDecision d = decideClaim(held, "prov-b", 60s, kStart + 59'999);
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.holder.owner, "prov-a");
  EXPECT_EQ(d.holder.expiresAtMs, kStart + 60'000);
}

TEST(ClaimDecision, ExpiredClaimGoesToTheNextOwner) {
  Claim held{"prov-a", kStart, kStart + 60'000};
  ClaimDecision d = decideClaim(held, "prov-b", 30s, kStart + 60'000);
  EXPECT_TRUE(d.granted);
  EXPECT_FALSE(d.renewed);
  EXPECT_EQ(d.holder.owner, "prov-b");
  EXPECT_EQ(d.holder.claimedAtMs, kStart + 60'000);
  EXPECT_EQ(d.takenFrom, "prov-a") << "never released: prov-a stopped mid-flow";
}

TEST(ClaimDecision, NothingIsTakenOverFromNobodyOrFromOneself) {
  EXPECT_EQ(decideClaim(std::nullopt, "prov-a", 60s, kStart).takenFrom, "");
  Claim held{"prov-a", kStart, kStart + 60'000};
  EXPECT_EQ(decideClaim(held, "prov-a", 60s, kStart + 90'000).takenFrom, "")
      << "its own expired claim: a restart, which resumes from its own records";
  EXPECT_EQ(decideClaim(held, "prov-b", 60s, kStart + 1).takenFrom, "") << "refused";
}

TEST(ClaimDecision, SameOwnerRenewsAndKeepsItsClaimTime) {
  Claim held{"prov-a", kStart, kStart + 60'000};
  ClaimDecision d = decideClaim(held, "prov-a", 120s, kStart + 50'000);
  EXPECT_TRUE(d.granted);
  EXPECT_TRUE(d.renewed);
  EXPECT_EQ(d.holder.claimedAtMs, kStart);
  EXPECT_EQ(d.holder.expiresAtMs, kStart + 170'000);
}

TEST(ClaimDecision, ReleaseOnlyByTheOwner) {
  Claim held{"prov-a", kStart, kStart + 60'000};
  EXPECT_EQ(decideRelease(held, "prov-a", kStart + 1), ReleaseDecision::Released);
  EXPECT_EQ(decideRelease(held, "prov-b", kStart + 1), ReleaseDecision::HeldByOther);
  EXPECT_EQ(decideRelease(held, "prov-b", kStart + 60'000), ReleaseDecision::NotHeld);
  EXPECT_EQ(decideRelease(std::nullopt, "prov-a", kStart), ReleaseDecision::NotHeld);
}

class ClaimBookTest : public ::testing::Test {
 protected:
  std::int64_t now_ = kStart;
  testing::TempDir dir_;
  StateStore store_{dir_ / "var/lib/drover/provision.json"};
  ClaimBook book_{store_, [this] { return now_; }};
};

TEST_F(ClaimBookTest, ClaimSurvivesANewBookOnTheSameFile) {
  ASSERT_TRUE(book_.claim("prov-a", 60s).granted);
  StateStore reopened(store_.file());
  ClaimBook again(reopened, [this] { return now_; });
  now_ += 10'000;
  ClaimDecision d = again.claim("prov-b", 60s);
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.holder.owner, "prov-a");
  ASSERT_TRUE(again.current());
  EXPECT_EQ(again.current()->owner, "prov-a");
}

TEST_F(ClaimBookTest, LeaseRunsOutOnTheInjectedClock) {
  ASSERT_TRUE(book_.claim("prov-a", 60s).granted);
  now_ += 59'000;
  EXPECT_FALSE(book_.claim("prov-b", 60s).granted);
  now_ += 1'000;
  EXPECT_FALSE(book_.current());
  ClaimDecision d = book_.claim("prov-b", 60s);
  EXPECT_TRUE(d.granted);
  EXPECT_EQ(book_.current()->owner, "prov-b");
}

TEST_F(ClaimBookTest, ReleaseFreesTheNodeOnlyForItsOwner) {
  ASSERT_TRUE(book_.claim("prov-a", 60s).granted);
  auto [refused, holder] = book_.release("prov-b");
  EXPECT_EQ(refused, ReleaseDecision::HeldByOther);
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->owner, "prov-a");
  EXPECT_EQ(book_.release("prov-a").first, ReleaseDecision::Released);
  EXPECT_FALSE(book_.current());
  EXPECT_EQ(book_.release("prov-a").first, ReleaseDecision::NotHeld);
  EXPECT_TRUE(book_.claim("prov-b", 60s).granted);
}

TEST_F(ClaimBookTest, ClaimLeavesTheRestOfTheRecordAlone) {
  store_.recordStep("set_puppet_server", {{"name", "puppet"}}, now_);
  ASSERT_TRUE(book_.claim("prov-a", 60s).granted);
  Json state = store_.read();
  EXPECT_EQ(state["steps"]["set_puppet_server"]["name"], "puppet");
  EXPECT_EQ(state["claim"]["owner"], "prov-a");
}

// Workers run actions concurrently: among racing provisioners exactly one wins.
TEST_F(ClaimBookTest, ExactlyOneOfManyConcurrentClaimsIsGranted) {
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([this, i, &granted] {
      if (book_.claim("prov-" + std::to_string(i), 60s).granted) ++granted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 1);
}

TEST_F(ClaimBookTest, CorruptStateIsReportedNotOverwritten) {
  std::filesystem::create_directories(dir_ / "var/lib/drover");
  dir_.write("var/lib/drover/provision.json", "{not json");
  try {
    book_.claim("prov-a", 60s);
    FAIL() << "a corrupt state file must not be replaced silently";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(store_.file().string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace drover::agents::provision
