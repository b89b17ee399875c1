// The registry: what it keeps from registrations, when a node turns stale or leaves, and
// what a lookup answers, page by page.
#include "core/registry/registry.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/filter/filter.hpp"

namespace drover::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a fixed "now" in ms

// A registration as droverd sends it, for `identity`, with a 60 s heartbeat.
Json registration(const std::string& identity, Json facts = Json::object(),
                  std::vector<std::string> classes = {}) {
  return {{"identity", identity},
          {"collectives", {"drover"}},
          {"agents", {"rpcutil", "puppet"}},
          {"facts", std::move(facts)},
          {"classes", std::move(classes)},
          {"names", Json::array()},
          {"registration_interval_s", 60}};
}

Entry entryOf(const Json& data, std::int64_t sentMs = kT0) {
  std::string why;
  auto entry = entryFrom(data, data.value("identity", ""), why);
  EXPECT_TRUE(entry.has_value()) << why;
  entry->sentMs = sentMs;
  return *entry;
}

std::vector<std::string> found(const Registry& registry, const std::string& filter,
                               std::int64_t now = kT0) {
  return registry.find(filter, "drover", "", now).nodes;
}

TEST(Registry, FindsWhatTheFilterMatchesOnTheRegisteredView) {
  Registry registry;
  registry.observe(entryOf(registration("web1", {{"region", "eu"}, {"cpus", 4}}, {"nginx"})), kT0);
  registry.observe(entryOf(registration("web2", {{"region", "us"}, {"cpus", 16}}, {"nginx"})), kT0);
  Json named = registration("db1", {{"region", "eu"}, {"cpus", 8}}, {"postgres"});
  named["names"] = {"db-master"};
  registry.observe(entryOf(named), kT0);

  EXPECT_THAT(found(registry, ""), ElementsAre("db1", "web1", "web2"));
  EXPECT_THAT(found(registry, "region=eu"), ElementsAre("db1", "web1"));
  EXPECT_THAT(found(registry, "cpus>8"), ElementsAre("web2"));
  EXPECT_THAT(found(registry, "class(nginx) and not region=us"), ElementsAre("web1"));
  EXPECT_THAT(found(registry, "identity(/^web/)"), ElementsAre("web1", "web2"));
  EXPECT_THAT(found(registry, "identity(db-master)"), ElementsAre("db1"));  // a held name
  EXPECT_THAT(found(registry, "agent(puppet)"), ElementsAre("db1", "web1", "web2"));
  EXPECT_THAT(found(registry, "agent(nginx)"), IsEmpty());
  EXPECT_THAT(found(registry, "agent(puppetca)"), IsEmpty());
  EXPECT_THAT(registry.find("", "other", "", kT0).nodes, IsEmpty());  // not its collective
  EXPECT_THROW(found(registry, "region="), filter::FilterError);
}

TEST(Registry, ANodeTurnsStaleAfterItsMissedIntervalsAndComesBackWithItsNextRegistration) {
  Registry registry({.staleAfterMissed = 3});
  registry.observe(entryOf(registration("web1")), kT0);
  EXPECT_THAT(found(registry, "", kT0 + 180'000), ElementsAre("web1"));  // 3 intervals: not yet
  Found later = registry.find("", "drover", "", kT0 + 180'001);
  EXPECT_THAT(later.nodes, IsEmpty());
  ASSERT_EQ(later.stale.size(), 1u);
  EXPECT_EQ(later.stale[0].identity, "web1");
  EXPECT_EQ(later.stale[0].lastSeenMs, kT0);
  EXPECT_EQ(later.known, 1u);

  registry.observe(entryOf(registration("web1"), kT0 + 200'000), kT0 + 200'000);
  EXPECT_THAT(found(registry, "", kT0 + 200'000), ElementsAre("web1"));
}

TEST(Registry, ANodeWithoutHeartbeatNeverTurnsStaleAndOneThatDoesNotSayGetsTheDefault) {
  Registry registry({.staleAfterMissed = 2, .defaultInterval = std::chrono::seconds(10)});
  Json silent = registration("quiet");
  silent["registration_interval_s"] = 0;
  registry.observe(entryOf(silent), kT0);
  Json unsaid = registration("old");
  unsaid.erase("registration_interval_s");
  registry.observe(entryOf(unsaid), kT0);
  EXPECT_THAT(found(registry, "", kT0 + 20'001), ElementsAre("quiet"));
  EXPECT_THAT(found(registry, "", kT0 + 365LL * 86'400'000), ElementsAre("quiet"));
}

TEST(Registry, AnOlderRegistrationDoesNotUndoANewerOne) {
  Registry registry;
  registry.observe(entryOf(registration("web1", {{"role", "db"}}), kT0 + 5000), kT0);
  EXPECT_EQ(registry.observe(entryOf(registration("web1", {{"role", "web"}}), kT0), kT0 + 10),
            Registry::Outcome::Older);
  EXPECT_THAT(found(registry, "role=db"), ElementsAre("web1"));
  EXPECT_THAT(found(registry, "role=web"), IsEmpty());
}

TEST(Registry, ALeavingNodeIsDroppedAtOnce) {
  Registry registry;
  registry.observe(entryOf(registration("web1")), kT0);
  Json leaving = registration("web1");
  leaving["leaving"] = true;
  EXPECT_EQ(registry.observe(entryOf(leaving, kT0 + 1), kT0 + 1), Registry::Outcome::Left);
  Found after = registry.find("", "drover", "", kT0 + 1);
  EXPECT_THAT(after.nodes, IsEmpty());
  EXPECT_THAT(after.stale, IsEmpty());
  EXPECT_EQ(after.known, 0u);
}

TEST(Registry, NewNodesPastMaxNodesAreRefusedAndCountedKnownOnesStillUpdate) {
  Registry registry({.maxNodes = 2});
  EXPECT_EQ(registry.observe(entryOf(registration("a")), kT0), Registry::Outcome::Added);
  EXPECT_EQ(registry.observe(entryOf(registration("b")), kT0), Registry::Outcome::Added);
  EXPECT_EQ(registry.observe(entryOf(registration("c")), kT0), Registry::Outcome::Full);
  EXPECT_EQ(registry.observe(entryOf(registration("a"), kT0 + 1), kT0 + 1),
            Registry::Outcome::Updated);
  EXPECT_THAT(found(registry, ""), ElementsAre("a", "b"));
  EXPECT_EQ(registry.counts(kT0).refusedFull, 1u);
}

TEST(Registry, StaleNodesAreForgottenAfterForgetAfter) {
  Registry registry({.staleAfterMissed = 1, .forgetAfter = std::chrono::seconds(100)});
  registry.observe(entryOf(registration("web1")), kT0);
  registry.observe(entryOf(registration("web2")), kT0 + 150'000);
  EXPECT_EQ(registry.prune(kT0 + 160'000), 0u);  // stale for 100 s: not longer
  EXPECT_EQ(registry.prune(kT0 + 160'001), 1u);
  Registry::Counts counts = registry.counts(kT0 + 160'001);
  EXPECT_EQ(counts.fresh, 1u);
  EXPECT_EQ(counts.stale, 0u);
}

TEST(Registry, ALargeAnswerComesInPagesThatTogetherListEveryNodeOnce) {
  Registry registry;
  std::vector<std::string> all;
  const std::string padding(200, 'x');
  for (int i = 0; i < 3000; ++i) {  // 3000 x ~210 bytes: three pages of 256 KiB
    char name[16];
    std::snprintf(name, sizeof name, "%05d-", i);
    all.push_back(name + padding);
    registry.observe(entryOf(registration(all.back())), kT0);
  }
  std::vector<std::string> listed;
  std::string after;
  int pages = 0;
  do {
    Found page = registry.find("", "drover", after, kT0);
    ASSERT_FALSE(page.nodes.empty());
    listed.insert(listed.end(), page.nodes.begin(), page.nodes.end());
    after = page.next;
    ++pages;
  } while (!after.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, all);
}

TEST(Registry, TheAnswerNamesABadArgument) {
  Registry registry;
  registry.observe(entryOf(registration("web1", {{"region", "eu"}})), kT0);
  Json data = registry.answer({{"filter", "region=eu"}}, "drover", kT0);
  EXPECT_EQ(data["nodes"], Json({"web1"}));
  EXPECT_EQ(data["known"], 1);
  EXPECT_FALSE(data.contains("next"));
  try {
    registry.answer({{"filter", 7}}, "drover", kT0);
    FAIL() << "a numeric filter was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("filter must be a string"));
  }
  EXPECT_THROW(registry.answer(Json::array(), "drover", kT0), std::invalid_argument);
}

TEST(RegistryEntry, ARegistrationSpeakingForAnotherIdentityIsRefused) {
  std::string why;
  EXPECT_FALSE(entryFrom(registration("web2"), "web1", why).has_value());
  EXPECT_THAT(why, HasSubstr("'web1' speaks for 'web2'"));
  EXPECT_FALSE(entryFrom(Json::array(), "web1", why).has_value());
}

TEST(RegistryEntry, AnInventoryReplyListsItsAgentsByName) {
  Json inventory{{"agents", {{{"name", "rpcutil"}, {"version", "1"}}, {{"name", "puppet"}}}},
                 {"facts", {{"region", "eu"}}},
                 {"classes", {"base"}},
                 {"collectives", {"drover"}}};
  std::string why;
  auto entry = entryFrom(inventory, "web1", why);
  ASSERT_TRUE(entry.has_value()) << why;
  EXPECT_EQ(entry->identity, "web1");
  EXPECT_THAT(entry->agents, ElementsAre("rpcutil", "puppet"));
  EXPECT_EQ(entry->intervalMs, -1);  // not said: the registry's default
}

}  // namespace
}  // namespace drover::registry
