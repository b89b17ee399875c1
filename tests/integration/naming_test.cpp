// The naming agent in a real droverd (agents/naming, ddl/naming.json): a signed set_name
// renames the node for real (its own UTS namespace: `unshare --uts --mount`), it
// registers again at once with the name in data.naming, and identity() filters find it
// by the name; update_hosts writes the names block into the hosts file under its root.
#include <unistd.h>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/bus/topics.hpp"
#include "core/util/files.hpp"
#include "testing/process.hpp"
#include "tests/integration/bus_listener.hpp"
#include "tests/integration/fleet_suite.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using envelope::Envelope;

constexpr const char* kUnshare = "/usr/bin/unshare";

std::string hostnameHere() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

class Naming : public FleetSuite {
 protected:
  static void SetUpTestSuite() { startFleet({}); }

  // A db node rooted in `root`, in a UTS namespace of its own.
  static NodeSpec dbNode(const std::string& identity, const testing::TempDir& root) {
    NodeSpec spec;
    spec.identity = identity;
    spec.facts = "role: db\n";
    spec.launcher = {kUnshare, "--uts", "--mount"};
    spec.extraArgs = {"--root", root.path().string(), "--naming-service",
                      "db",     "--naming-type",      "masterful"};
    return spec;
  }

  // The next registration from `identity` whose data.naming.name is `name`.
  static std::optional<Envelope> namedRegistration(BusListener& listener,
                                                   const std::string& identity,
                                                   const std::string& name) {
    return listener.next(10s, [&](const Envelope& env) {
      return env.type == envelope::MessageType::Registration && env.sender == identity &&
             env.data.value("naming", Json::object()).value("name", "?") == name;
    });
  }
};

TEST_F(Naming, SetNameRenamesTheNodeWhichRegistersAndAnswersToTheName) {
  // The node needs CAP_SYS_ADMIN to make its namespace; without it droverd never starts
  // and the test says why instead of passing.
  ASSERT_EQ(::geteuid(), 0u) << "this test runs droverd under unshare --uts, which needs root";
  const std::string ownHostname = hostnameHere();
  testing::TempDir root;
  BusListener listener(fleet().endpoints(), {bus::registrationTopic("drover")});
  fleet().addNode(dbNode("i-0naming", root));
  auto first = namedRegistration(listener, "i-0naming", "");
  ASSERT_TRUE(first.has_value()) << fleet().logs();
  EXPECT_EQ(first->data["naming"]["service"], "db");
  EXPECT_EQ(first->data["naming"]["type"], "masterful");
  EXPECT_EQ(fleet().drover({"find", "-S", "identity(db-master)"}).out, "");

  Result renamed = fleet().drover({"rpc", "naming", "set_name", "name=db-master",
                                   "fqdn=db-master.example.internal", R"(aliases=["mongo"])", "-I",
                                   "i-0naming", "--json"});
  ASSERT_EQ(renamed.exitCode, 0) << renamed;
  Json reply = Json::parse(renamed.out).at("replies").at(0).at("data");
  EXPECT_EQ(reply["changed"], true) << renamed;
  EXPECT_EQ(reply["hostname"], "db-master") << renamed;  // the kernel's, read back

  auto named = namedRegistration(listener, "i-0naming", "db-master");
  ASSERT_TRUE(named.has_value()) << fleet().logs();
  const Json& naming = named->data["naming"];
  EXPECT_EQ(naming["fqdn"], "db-master.example.internal");
  EXPECT_EQ(naming["held_aliases"], Json::array({"mongo"}));
  EXPECT_EQ(naming["hostname"], "db-master");
  EXPECT_EQ(util::readFile(root / "etc/hostname"), "db-master\n");
  EXPECT_EQ(hostnameHere(), ownHostname);  // only the node's namespace

  Result byName = fleet().drover({"find", "-S", "identity(db-master)"});
  EXPECT_EQ(byName.out, "i-0naming\n") << byName;
  Result byAlias = fleet().drover({"find", "-S", "identity(mongo)"});
  EXPECT_EQ(byAlias.out, "i-0naming\n") << byAlias;
  Result ping = fleet().drover({"ping", "-I", "/^db-mas/"});
  EXPECT_EQ(ping.exitCode, 0) << ping;
  EXPECT_NE(ping.out.find("i-0naming"), std::string::npos) << ping;
}

TEST_F(Naming, UpdateHostsWritesTheBlockAndKeepsTheOtherLines) {
  testing::TempDir root;
  std::filesystem::create_directories(root / "etc");
  root.write("etc/hosts", "127.0.0.1 localhost\n");
  fleet().addNode(dbNode("i-0hosts", root));
  Result pushed =
      fleet().drover({"rpc", "naming", "update_hosts", "version=4", "domain=example.internal",
                      R"(entries=[{"address": "10.0.0.5", "names": ["db-master", "mongo"]}])", "-I",
                      "i-0hosts", "--json"});
  ASSERT_EQ(pushed.exitCode, 0) << pushed;
  EXPECT_EQ(Json::parse(pushed.out).at("replies").at(0).at("data").at("applied"), true) << pushed;
  EXPECT_EQ(util::readFile(root / "etc/hosts"),
            "127.0.0.1 localhost\n"
            "# BEGIN drover names (managed: do not edit, version 4)\n"
            "10.0.0.5 db-master.example.internal db-master mongo\n"
            "# END drover names\n");
}

}  // namespace
}  // namespace drover::integration
