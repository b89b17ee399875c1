// resolveClaims (cli/name_resolution.hpp): the nodes exact -I values name, given the
// replies of the one discovery that resolves them.
#include "cli/name_resolution.hpp"

#include <gtest/gtest.h>

namespace drover::cli {
namespace {

using Names = std::vector<std::string>;

rpc::NodeReply pong(const std::string& sender, const Names& names = {}) {
  Json data{{"pong", 1700000000}};
  if (!names.empty()) data["names"] = names;
  return rpc::NodeReply{sender, {}, data};
}

TEST(ResolveClaims, AnIdentityThatAnsweredIsItself) {
  Resolution r = resolveClaims({"web-1"}, {pong("web-1")});
  EXPECT_EQ(r.nodes, Names{"web-1"});
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(ResolveClaims, ANameIsTheIdentityOfTheNodeHoldingIt) {
  Resolution r = resolveClaims({"db-master", "mongo"}, {pong("node-3", {"db-master"}),
                                                        pong("node-4", {"db-slave-1", "mongo"})});
  EXPECT_EQ(r.nodes, (Names{"node-3", "node-4"}));
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(ResolveClaims, AnUnclaimedValueIsAddressedAsGivenSoItIsReportedSilent) {
  Resolution r = resolveClaims({"ghost", "db-master"}, {pong("node-3", {"db-master"})});
  EXPECT_EQ(r.nodes, (Names{"ghost", "node-3"}));
  EXPECT_EQ(resolveClaims({"ghost"}, {}).nodes, Names{"ghost"});
}

TEST(ResolveClaims, TwoValuesNamingOneNodeAddressItOnce) {
  Resolution r =
      resolveClaims({"node-3", "db-master", "mongo"}, {pong("node-3", {"db-master", "mongo"})});
  EXPECT_EQ(r.nodes, Names{"node-3"});
}

TEST(ResolveClaims, TwoNodesClaimingOneNameAreBothCalledAndNamed) {
  Resolution r =
      resolveClaims({"db-master"}, {pong("node-7", {"db-master"}), pong("node-3", {"db-master"})});
  EXPECT_EQ(r.nodes, (Names{"node-3", "node-7"}));
  EXPECT_EQ(r.conflicts, Names{"-I db-master is claimed by node-3 and node-7; calling both"});
}

TEST(ResolveClaims, AnIdentityThatIsAlsoAnotherNodesNameIsAConflict) {
  Resolution r =
      resolveClaims({"web-1"}, {pong("web-1"), pong("node-9", {"web-1"}), pong("x", {"web-1"})});
  EXPECT_EQ(r.nodes, (Names{"node-9", "web-1", "x"}));
  EXPECT_EQ(r.conflicts, Names{"-I web-1 is claimed by node-9, web-1 and x; calling all"});
}

TEST(ResolveClaims, RepliesClaimingNothingAskedAreIgnored) {
  Resolution r = resolveClaims({"web-1"}, {pong("web-2", {"web-3"}), pong("web-1")});
  EXPECT_EQ(r.nodes, Names{"web-1"});
}

}  // namespace
}  // namespace drover::cli
