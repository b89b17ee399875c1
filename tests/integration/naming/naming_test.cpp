// Naming with real processes: a broker, drover-provisioner running a flow
// with assign_name, and droverd nodes each in a UTS and mount namespace of its own, so
// each really sets its hostname and owns its hosts file. What a program on the node
// sees is read with nsenter: `hostname`, and `getent hosts NAME` through the node's
// /etc/nsswitch.conf and /etc/hosts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/naming/naming_it.hpp"

namespace drover::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::set<int> kFirstThree{1, 2, 3};

TEST_F(NamingSuite, ThreeNodesOfAMasterfulServiceAreNamedAndResolveEachOther) {
  std::map<std::string, int> named = startNamed(3);
  ASSERT_EQ(named.size(), 3u) << logs();
  std::vector<std::string> names;
  std::set<int> holders;
  for (const auto& [name, n] : named) {
    names.push_back(name);
    holders.insert(n);
  }
  EXPECT_THAT(names, ElementsAre("db-master", "db-slave-1", "db-slave-2"));
  EXPECT_EQ(holders, kFirstThree) << "one name per node";
  for (int n : kFirstThree) {
    // The launcher really gave it namespaces of its own: its hostname is not ours.
    EXPECT_NE(namespaceOf(node(n).pid(), "uts"), namespaceOf(::getpid(), "uts"));
    EXPECT_NE(namespaceOf(node(n).pid(), "mnt"), namespaceOf(::getpid(), "mnt"));
  }
  for (const auto& [name, n] : named) {
    EXPECT_TRUE(waitHostname(n, name)) << identity(n) << " shows " << hostnameIn(node(n));
    EXPECT_EQ(readFile(roots_.at(n)->path() / "etc" / "hostname"), name + "\n");
    EXPECT_TRUE(waitResolves(kFirstThree, name, addressOf(n))) << name << "\n" << logs();
    EXPECT_TRUE(waitResolves(kFirstThree, name + "." + kDomain, addressOf(n))) << name;
  }
  for (int n : kFirstThree) {
    std::string hosts = readFile(hostsFile(n));
    EXPECT_EQ(hosts.rfind(kImageHosts, 0), 0u) << "the image's lines are kept:\n" << hosts;
    EXPECT_THAT(hosts, HasSubstr("# BEGIN drover names"));
  }
}

TEST_F(NamingSuite, AKilledNodesNameIsReleasedAndTheNextNodeTakesIt) {
  std::map<std::string, int> named = startNamed(3);
  ASSERT_EQ(named.size(), 3u) << logs();
  const int gone = named["db-slave-1"];
  std::set<int> alive = kFirstThree;
  alive.erase(gone);
  node(gone).kill();

  // The release is the provisioner's own event, after release_after of silence.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        auto kinds = historyKinds("db-slave-1");
        return !kinds.empty() && kinds.back() == "released";
      },
      kNamedWithin + std::chrono::seconds(kReleaseAfterSeconds)))
      << logs();
  EXPECT_EQ(holders().count("db-slave-1"), 0u);

  // The lowest free name, not the next unused one (db-slave-3).
  startNode(4);
  alive.insert(4);
  named.erase("db-slave-1");
  std::map<std::string, int> expected = named;
  expected["db-slave-1"] = 4;
  EXPECT_TRUE(waitHolders(expected)) << logs();
  EXPECT_TRUE(waitHostname(4, "db-slave-1")) << hostnameIn(node(4));
  EXPECT_TRUE(waitResolves(alive, "db-slave-1", addressOf(4))) << logs();
  EXPECT_TRUE(waitResolves({4}, "db-master", addressOf(named["db-master"])));
  std::vector<std::string> kinds = historyKinds("db-slave-1");
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.back(), "assigned") << "the newest row of db-slave-1's history";
}

TEST_F(NamingSuite, PromoteSwapsTheNamesOnBothNodesAndInEveryHostsFile) {
  std::map<std::string, int> named = startNamed(3);
  ASSERT_EQ(named.size(), 3u) << logs();
  const int master = named["db-master"];
  const int slave = named["db-slave-1"];
  const int other = named["db-slave-2"];
  ASSERT_TRUE(waitResolves(kFirstThree, "db-master", addressOf(master))) << logs();

  Json promoted = control("name_promote", {{"node", identity(slave)}});
  ASSERT_TRUE(promoted.is_object()) << logs();
  EXPECT_EQ(promoted["applied"], true) << promoted.dump();

  EXPECT_TRUE(waitHolders({{"db-master", slave}, {"db-slave-1", master}, {"db-slave-2", other}}))
      << logs();
  EXPECT_TRUE(waitHostname(slave, "db-master")) << hostnameIn(node(slave));
  EXPECT_TRUE(waitHostname(master, "db-slave-1")) << hostnameIn(node(master));
  EXPECT_EQ(hostnameIn(node(other)), "db-slave-2");
  EXPECT_TRUE(waitResolves(kFirstThree, "db-master", addressOf(slave))) << logs();
  EXPECT_TRUE(waitResolves(kFirstThree, "db-slave-1", addressOf(master))) << logs();
  EXPECT_TRUE(waitResolves(kFirstThree, "db-slave-2", addressOf(other)));
}

// The provisioner SIGKILLed while a burst of nodes is being named, then started again:
// every node ends with one name of its own, the one its hostname shows, whatever the
// moment of the kill (names are on disk before a node hears them).
TEST_F(NamingSuite, AProvisionerKilledDuringABurstNeverGivesOneNameTwice) {
  std::vector<NodeSpec> specs;
  for (int n = 1; n <= 6; ++n) specs.push_back(dbNode(n));
  fleet_.addNodes(specs);
  ASSERT_TRUE(testing::waitFor([&] { return !holders().empty(); }, kNamedWithin)) << logs();
  provisioner_->kill();
  provisioner_->start();
  std::map<std::string, std::string> held;
  ASSERT_TRUE(testing::waitFor([&] { return (held = holders()).size() == 6; }, kNamedWithin))
      << logs();
  std::set<std::string> nodes;
  std::vector<std::string> names;
  for (const auto& [name, holder] : held) {
    names.push_back(name);
    EXPECT_TRUE(nodes.insert(holder).second) << holder << " holds two names";
    int n = std::stoi(holder.substr(holder.find('-') + 1));
    EXPECT_TRUE(waitHostname(n, name)) << holder << " shows " << hostnameIn(node(n));
  }
  EXPECT_THAT(names, ElementsAre("db-master", "db-slave-1", "db-slave-2", "db-slave-3",
                                 "db-slave-4", "db-slave-5"));
}

// `-I NAME` is resolved to the node holding NAME now, before and after a promote.
TEST_F(NamingSuite, DashIWithANameReachesTheNodeHoldingIt) {
  std::map<std::string, int> named = startNamed(3);
  ASSERT_EQ(named.size(), 3u) << logs();
  auto reached = [&](const std::string& name) {
    Result ping = fleet_.drover({"ping", "-I", name});
    std::set<int> hosts;
    for (int n : kFirstThree) {
      if (ping.out.find(identity(n) + " ") != std::string::npos) hosts.insert(n);
    }
    return hosts;
  };
  EXPECT_EQ(reached("db-master"), std::set<int>{named["db-master"]});
  EXPECT_EQ(reached("db-slave-2"), std::set<int>{named["db-slave-2"]});

  const int slave = named["db-slave-1"];
  Result promote = fleet_.drover({"name", "promote", identity(slave)});
  ASSERT_EQ(promote.exitCode, 0) << promote;
  ASSERT_TRUE(waitHostname(slave, "db-master")) << logs();
  EXPECT_EQ(reached("db-master"), std::set<int>{slave});
}

}  // namespace
}  // namespace drover::integration
