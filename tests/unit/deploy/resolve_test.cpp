// Runtime resolution over the cluster view: params rendered from the members holding the
// referenced NAMES, what is missing named <name>.<field>, file texts, cluster facts.
#include <gtest/gtest.h>

#include "core/deploy/resolve.hpp"
#include "tests/unit/deploy/deploy_fixture.hpp"

namespace drover::deploy {
namespace {

const std::string kText = R"(name: shop
flow: f
facts: [ipaddress, os.family]
pools:
  db: {type: masterful, count: 2}
  app:
    count: 2
    params:
      db_host: "{{pools.db.master.address}}"
      workers: "{{pools.worker.*.name | join(',')}}"
      all: "{{pools.worker.*.address}}"
      family: "{{pools.db.slave-1.facts.os.family}}"
      me: "{{self.name}}@{{deployment.name}}"
      port: 8080
      nested: {url: "http://{{pools.db.master.fqdn}}:5432"}
  worker: {count: 3}
)";

Member member(const std::string& pool, int slot, const std::string& name, int octet) {
  Member m;
  m.identity = "shop-" + pool + "-" + std::to_string(slot);
  m.pool = pool;
  m.service = pool;
  m.name = name;
  m.fqdn = name + ".shop.internal";
  m.address = "10.0.0." + std::to_string(octet);
  m.facts = Json{{"ipaddress", m.address}, {"os.family", "Debian"}};
  m.registered = true;
  return m;
}

// Every member of the deployment, registered. db-master was launched last (slot 1).
ClusterView fullView() {
  return {member("db", 0, "db-slave-1", 11),   member("db", 1, "db-master", 10),
          member("app", 0, "app-0", 20),       member("app", 1, "app-1", 21),
          member("worker", 0, "worker-2", 32), member("worker", 1, "worker-0", 30),
          member("worker", 2, "worker-1", 31)};
}

class DeployResolve : public ::testing::Test {
 protected:
  Deployment d = testing::load(kText);
  const Pool& app = *d.pool("app");
  ClusterView view = fullView();
  Member& self = view[2];
};

TEST_F(DeployResolve, RendersEveryParamByName) {
  Resolution r = resolveParams(d, app, self, view);
  ASSERT_TRUE(r.ready()) << r.missing.front();
  EXPECT_EQ(r.params["db_host"], "10.0.0.10");
  EXPECT_EQ(r.params["workers"], "worker-0,worker-1,worker-2");
  EXPECT_EQ(r.params["all"], (Json{"10.0.0.30", "10.0.0.31", "10.0.0.32"}));
  EXPECT_EQ(r.params["family"], "Debian");
  EXPECT_EQ(r.params["me"], "app-0@shop");
  EXPECT_EQ(r.params["port"], 8080);
  EXPECT_EQ(r.params["nested"]["url"], "http://db-master.shop.internal:5432");
}

TEST_F(DeployResolve, AnAbsentOrUnregisteredPeerIsMissing) {
  Member app0 = self;
  view.erase(view.begin() + 1);  // db-master
  EXPECT_EQ(resolveParams(d, app, app0, view).missing,
            (std::vector<std::string>{"db-master.address", "db-master.fqdn"}));
  view = fullView();
  view[0].registered = false;  // db-slave-1
  Resolution r = resolveParams(d, app, view[2], view);
  EXPECT_EQ(r.missing, std::vector<std::string>{"db-slave-1.facts.os.family"});
  EXPECT_EQ(r.params, Json::object());
}

TEST_F(DeployResolve, AFieldNotYetKnownIsMissing) {
  view[1].address = "";
  view[0].facts.erase("os.family");
  EXPECT_EQ(resolveParams(d, app, self, view).missing,
            (std::vector<std::string>{"db-master.address", "db-slave-1.facts.os.family"}));
}

TEST_F(DeployResolve, AWildcardWaitsForEveryNameOfThePoolCount) {
  view[6].name = "";  // worker-1 not named yet
  EXPECT_EQ(resolveParams(d, app, self, view).missing,
            (std::vector<std::string>{"worker-*.address", "worker-*.name"}));
  view[6].name = "worker-1";
  Member app0 = self;
  view.push_back(member("worker", 3, "worker-3", 33));  // beyond the count: left out
  EXPECT_EQ(resolveParams(d, app, app0, view).params["workers"], "worker-0,worker-1,worker-2");
}

TEST_F(DeployResolve, SelfWaitsForItsOwnFields) {
  Deployment solo = testing::load(
      "name: s\nflow: f\npools: {a: {count: 1, params: {me: \"{{self.address}}\"}}}\n");
  Member m = member("a", 0, "a-0", 5);
  m.address = "";
  EXPECT_EQ(resolveParams(solo, *solo.pool("a"), m, {m}).missing,
            std::vector<std::string>{"a-0.address"});
  m.address = "10.0.0.5";
  EXPECT_EQ(resolveParams(solo, *solo.pool("a"), m, {m}).params["me"], "10.0.0.5");
}

TEST_F(DeployResolve, RendersAFileWithTheParams) {
  Deployment withFile =
      testing::load(kText, {{"files/app/app.conf",
                             "db={{params.db_host}}:{{params.port}}\nme={{self.fqdn}}\n"
                             "workers={{pools.worker.*.name | join(' ')}}\n"}});
  const Pool& pool = *withFile.pool("app");
  Resolution params = resolveParams(withFile, pool, self, view);
  RenderedFile file = renderFile(withFile, pool.files.at(0), self, view, params.params);
  ASSERT_TRUE(file.missing.empty());
  EXPECT_EQ(file.text,
            "db=10.0.0.10:8080\nme=app-0.shop.internal\nworkers=worker-0 worker-1 worker-2\n");
  view.pop_back();  // worker-1
  EXPECT_EQ(renderFile(withFile, pool.files.at(0), self, view, params.params).missing,
            std::vector<std::string>{"worker-*.name"});
}

TEST_F(DeployResolve, ClusterFactsListNamedRegisteredMembers) {
  view[3].registered = false;
  view[4].name = "";
  Json facts = clusterFacts(view);
  EXPECT_EQ(facts.size(), 5u);
  EXPECT_FALSE(facts.contains("app-1"));
  EXPECT_EQ(facts["db-master"],
            (Json{{"name", "db-master"},
                  {"fqdn", "db-master.shop.internal"},
                  {"address", "10.0.0.10"},
                  {"identity", "shop-db-1"},
                  {"pool", "db"},
                  {"service", "db"},
                  {"facts", {{"ipaddress", "10.0.0.10"}, {"os.family", "Debian"}}}}));
  EXPECT_EQ(facts.begin().key(), "app-0");
}

TEST(DeployChosenFacts, TakesTheListedFactsFlatOrNested) {
  Json all{{"ipaddress", "10.0.0.1"}, {"os", {{"family", "Debian"}}}, {"memory", 1024}};
  EXPECT_EQ(chosenFacts({"ipaddress", "os.family", "absent"}, all),
            (Json{{"ipaddress", "10.0.0.1"}, {"os.family", "Debian"}}));
}

}  // namespace
}  // namespace drover::deploy
