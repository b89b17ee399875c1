// Requirements between pools: a cycle among distinct pools is refused naming the cycle at
// its first pool's line; otherwise the pools come in an order where each follows what it
// requires.
#include <gtest/gtest.h>

#include "core/deploy/graph.hpp"
#include "tests/unit/deploy/deploy_fixture.hpp"

namespace drover::deploy {
namespace {

using testing::load;
using testing::problem;

const std::string kHead = "name: shop\nflow: f\npools:\n";

TEST(DeployGraph, ACycleThroughParamsIsNamed) {
  EXPECT_EQ(problem(kHead + "  app: {count: 1, params: {db: \"{{pools.db.0.address}}\"}}\n"
                            "  db: {count: 1, params: {app: \"{{pools.app.0.address}}\"}}\n"),
            "shop.yaml:4:3: pools.app: a cycle of requirements: app -> db -> app (params, files "
            "or after)");
}

TEST(DeployGraph, ACycleStartsAtItsFirstPoolInTheFile) {
  EXPECT_EQ(problem(kHead + "  a: {count: 1}\n  b: {count: 1, after: [c]}\n"
                            "  c: {count: 1, after: [d]}\n  d: {count: 1, after: [b]}\n"),
            "shop.yaml:5:3: pools.b: a cycle of requirements: b -> c -> d -> b (params, files or "
            "after)");
}

TEST(DeployGraph, ACycleThroughAnInstanceAndAFile) {
  EXPECT_EQ(problem("name: shop\nflow: f\npools:\n  app: {count: 1, after: [mon]}\n"
                    "instances:\n  mon: {}\n",
                    {{"files/mon/m.conf", "{{pools.app.*.address | join(' ')}}"}}),
            "shop.yaml:4:3: pools.app: a cycle of requirements: app -> mon -> app (params, files "
            "or after)");
}

TEST(DeployGraph, APoolMayNameItsOwnMembers) {
  Deployment d =
      load(kHead + "  worker: {count: 3, params: {peers: \"{{pools.worker.*.name}}\"}}\n");
  EXPECT_TRUE(d.pool("worker")->requires_.empty());
  EXPECT_EQ(d.order, std::vector<std::string>{"worker"});
}

TEST(DeployGraph, EachPoolComesAfterWhatItRequires) {
  Deployment d = load(kHead +
                      "  web: {count: 1, after: [app]}\n"
                      "  app: {count: 1, params: {db: \"{{pools.db.master.address}}\"}}\n"
                      "  cache: {count: 1}\n  db: {type: masterful, count: 1}\n");
  EXPECT_EQ(d.order, (std::vector<std::string>{"cache", "db", "app", "web"}));
  EXPECT_EQ(dependencyOrder(d), d.order);
  EXPECT_TRUE(findCycle(d).empty());
}

TEST(DeployGraph, FindCycleOnABuiltDeployment) {
  Deployment d;
  d.pools.resize(3);
  d.pools[0].name = "x";
  d.pools[1].name = "y";
  d.pools[2].name = "z";
  d.pools[1].requires_ = {"z"};
  d.pools[2].requires_ = {"y"};
  EXPECT_EQ(findCycle(d), (std::vector<std::string>{"y", "z", "y"}));
  EXPECT_EQ(dependencyOrder(d), (std::vector<std::string>{"x", "y", "z"}));
}

}  // namespace
}  // namespace drover::deploy
