#include "launchers/local/addressing.hpp"

#include <gtest/gtest.h>

#include "launchers/launcher.hpp"

namespace drover::launchers {
namespace {

TEST(Subnet, GatewayIsTheFirstHostAddress) {
  Subnet subnet = Subnet::parse("10.213.0.0/24");
  EXPECT_EQ(subnet.gateway(), "10.213.0.1");
  EXPECT_EQ(subnet.prefix(), 24);
}

TEST(Subnet, LowestFreeSkipsTheGatewayAndUsedAddresses) {
  Subnet subnet = Subnet::parse("10.213.0.0/24");
  EXPECT_EQ(subnet.lowestFree({}), "10.213.0.2");
  EXPECT_EQ(subnet.lowestFree({"10.213.0.2", "10.213.0.3"}), "10.213.0.4");
  // A gap left by a terminated member is filled first.
  EXPECT_EQ(subnet.lowestFree({"10.213.0.2", "10.213.0.4"}), "10.213.0.3");
}

TEST(Subnet, LowestFreeCrossesOctetsAndNeverHandsOutTheBroadcast) {
  Subnet wide = Subnet::parse("10.0.0.0/23");
  std::set<std::string> used;
  for (int i = 2; i < 256; ++i) used.insert("10.0.0." + std::to_string(i));
  EXPECT_EQ(wide.lowestFree(used), "10.0.1.0");
  Subnet small = Subnet::parse("192.168.7.0/30");  // .1 bridge, .2 one member, .3 broadcast
  EXPECT_EQ(small.lowestFree({}), "192.168.7.2");
  EXPECT_EQ(small.lowestFree({"192.168.7.2"}), std::nullopt);
}

TEST(Subnet, ContainsOnlyItsOwnAddresses) {
  Subnet subnet = Subnet::parse("10.213.4.0/24");
  EXPECT_TRUE(subnet.contains("10.213.4.77"));
  EXPECT_FALSE(subnet.contains("10.213.5.77"));
  EXPECT_FALSE(subnet.contains("not an address"));
}

TEST(Subnet, BadTextIsRefusedNamingIt) {
  for (const char* bad : {"10.213.0.0", "10.213.0.0/", "10.213.0/24", "10.213.0.0/33",
                          "10.213.0.0/31", "10.213.0.0/4", "10.213.0.1/24", "10.213.0.0/2x", ""}) {
    try {
      Subnet::parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const LaunchError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(MemberLinks, NamesFitTheKernelsLimitAndDifferPerBridgeAndIdentity) {
  auto a = MemberLinks::of("drover0", "shop-db-0");
  auto b = MemberLinks::of("drover0", "shop-db-1");
  auto c = MemberLinks::of("drover1", "shop-db-0");
  for (const auto& links : {a, b, c}) {
    EXPECT_TRUE(isValidLinkName(links.hostVeth)) << links.hostVeth;
    EXPECT_TRUE(isValidLinkName(links.peerVeth)) << links.peerVeth;
    EXPECT_NE(links.hostVeth, links.peerVeth);
  }
  EXPECT_NE(a.hostVeth, b.hostVeth);
  EXPECT_NE(a.hostVeth, c.hostVeth);
  EXPECT_NE(a.netns, c.netns);
  EXPECT_EQ(a.netns, "drover0-shop-db-0");
  // The same member gets the same names after a restart: terminate finds them.
  EXPECT_EQ(MemberLinks::of("drover0", "shop-db-0").hostVeth, a.hostVeth);
  auto longest = MemberLinks::of("bridge-15-chars", std::string(64, 'x'));
  EXPECT_LE(longest.hostVeth.size(), 15u);
}

TEST(Names, LinkAndMemberNames) {
  EXPECT_TRUE(isValidLinkName("drover0"));
  EXPECT_FALSE(isValidLinkName("a-name-of-16-chr"));
  EXPECT_FALSE(isValidLinkName(""));
  EXPECT_FALSE(isValidLinkName("br 0"));
  EXPECT_FALSE(isValidLinkName("br/0"));
  EXPECT_TRUE(isValidMemberName("shop-db-0"));
  for (const char* bad : {"", "../x", "a/b", ".hidden", "-flag", "Upper", "a b"}) {
    EXPECT_FALSE(isValidMemberName(bad)) << bad;
  }
  EXPECT_FALSE(isValidMemberName(std::string(65, 'a')));
}

}  // namespace
}  // namespace drover::launchers
