// Loading a deployment file: top keys, pools and instances, defaults merged into pools
// (launcher and params key by key; volumes, stages and stage_timeout replaced), bundles
// with their digests, config files with their metadata.
#include <gtest/gtest.h>

#include "tests/unit/deploy/deploy_fixture.hpp"

namespace drover::deploy {
namespace {

using testing::kApp;
using testing::kBase;
using testing::load;

const std::string kShop = R"(name: shop
flow: masterless
ssh_trust: true
facts: [ipaddress, os.family]
defaults:
  launcher: {size: small, image: debian}
  volumes: [{size: 64M, mount: /srv/data}]
  stages:
    - {bundle: bundles/base.tar, args: ["--quick"]}
  params: {domain: example.internal, port: 80}
  stage_timeout: 10m
pools:
  db: {type: masterful, count: 2}
  app:
    count: 2
    launcher: {size: large}
    params:
      port: 8080
      db_host: "{{pools.db.master.address}}"
    stages: [{bundle: bundles/base.tar}, {bundle: bundles/app.tar, args: [a, b]}]
    volumes: []
    stage_timeout: 30s
  worker: {count: 3, after: [db]}
instances:
  monitor: {service: mon, volumes: [{size: 1G, mount: /var/mon, kind: image}]}
)";

TEST(DeployLoader, ReadsTheTopKeys) {
  Deployment d = load(kShop);
  EXPECT_EQ(d.name, "shop");
  EXPECT_EQ(d.flow, "masterless");
  EXPECT_TRUE(d.sshTrust);
  EXPECT_EQ(d.facts, (std::vector<std::string>{"ipaddress", "os.family"}));
  EXPECT_EQ(d.fileName, "shop.yaml");
  ASSERT_EQ(d.pools.size(), 4u);
  EXPECT_EQ(d.pools[0].name, "db");
  EXPECT_EQ(d.pools[3].name, "monitor");
}

TEST(DeployLoader, PoolsTakeServiceTypeAndCount) {
  Deployment d = load(kShop);
  const Pool& db = *d.pool("db");
  EXPECT_EQ(db.service, "db");
  EXPECT_EQ(db.type, naming::ServiceType::Masterful);
  EXPECT_EQ(db.count, 2);
  EXPECT_EQ(db.line, 13);
  EXPECT_EQ(db.memberName(1), "db-slave-1");
  EXPECT_EQ(d.pool("worker")->type, naming::ServiceType::Iterative);
  EXPECT_EQ(d.pool("worker")->after, std::vector<std::string>{"db"});
  EXPECT_EQ(d.pool("nothing"), nullptr);
}

TEST(DeployLoader, AnInstanceIsAPoolOfOne) {
  const Pool& mon = *load(kShop).pool("monitor");
  EXPECT_TRUE(mon.instance);
  EXPECT_EQ(mon.count, 1);
  EXPECT_EQ(mon.service, "mon");
  EXPECT_EQ(mon.memberName(0), "mon-0");
}

TEST(DeployLoader, AnInstanceWithoutKeysTakesTheDefaults) {
  Deployment d = load("name: s\nflow: f\ndefaults: {params: {a: 1}}\ninstances:\n  mon:\n");
  const Pool& mon = *d.pool("mon");
  EXPECT_EQ(mon.count, 1);
  EXPECT_EQ(mon.service, "mon");
  EXPECT_EQ(mon.params, (Json{{"a", 1}}));
}

TEST(DeployLoader, LauncherAndParamsMergeKeyByKey) {
  Deployment d = load(kShop);
  EXPECT_EQ(d.pool("app")->launcher, (Json{{"size", "large"}, {"image", "debian"}}));
  EXPECT_EQ(d.pool("db")->launcher, (Json{{"size", "small"}, {"image", "debian"}}));
  EXPECT_EQ(d.pool("app")->params, (Json{{"domain", "example.internal"},
                                         {"port", 8080},
                                         {"db_host", "{{pools.db.master.address}}"}}));
  EXPECT_EQ(d.pool("db")->params, (Json{{"domain", "example.internal"}, {"port", 80}}));
}

TEST(DeployLoader, VolumesStagesAndTimeoutAreReplacedWhole) {
  Deployment d = load(kShop);
  const Pool& app = *d.pool("app");
  EXPECT_TRUE(app.volumes.empty());
  ASSERT_EQ(app.stages.size(), 2u);
  EXPECT_EQ(app.stages[1].bundle, "bundles/app.tar");
  EXPECT_EQ(app.stages[1].blob, kApp);
  EXPECT_EQ(app.stages[1].args, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(app.stageTimeout, std::chrono::seconds(30));
  const Pool& db = *d.pool("db");
  ASSERT_EQ(db.stages.size(), 1u);
  EXPECT_EQ(db.stages[0].blob, kBase);
  EXPECT_EQ(db.stages[0].args, std::vector<std::string>{"--quick"});
  EXPECT_EQ(db.volumes, (std::vector<Volume>{{64u << 20, "/srv/data", "tmpfs"}}));
  EXPECT_EQ(db.stageTimeout, std::chrono::minutes(10));
  EXPECT_EQ(d.pool("monitor")->volumes, (std::vector<Volume>{{1u << 30, "/var/mon", "image"}}));
}

TEST(DeployLoader, WithoutDefaultsAPoolHasNothingExtra) {
  Deployment d = load("name: s\nflow: f\npools: {a: {count: 0}}\n");
  const Pool& a = *d.pool("a");
  EXPECT_FALSE(d.sshTrust);
  EXPECT_EQ(a.count, 0);
  EXPECT_EQ(a.launcher, Json::object());
  EXPECT_TRUE(a.stages.empty() && a.volumes.empty() && a.files.empty());
  EXPECT_EQ(a.stageTimeout, kDefaultStageTimeout);
}

// A pool's flow: its own, else the defaults', else the deployment's, else "" (the
// provisioner's default flow); each remembers where it was written.
TEST(DeployLoader, EachPoolHasAFlow) {
  Deployment d = load(
      "name: s\nflow: masterless\ndefaults: {flow: classic}\n"
      "pools: {a: {count: 1, flow: other}, b: {count: 1}}\n");
  EXPECT_EQ(d.pool("a")->flow, "other");
  EXPECT_EQ(d.pool("a")->flowWhere, "shop.yaml:4:29: pools.a.flow");
  EXPECT_EQ(d.pool("b")->flow, "classic");
  EXPECT_EQ(d.pool("b")->flowWhere, "shop.yaml:3:18: defaults.flow");
  Deployment top = load("name: s\nflow: masterless\npools: {a: {count: 1}}\n");
  EXPECT_EQ(top.pool("a")->flow, "masterless");
  EXPECT_EQ(top.pool("a")->flowWhere, "shop.yaml:2:7: flow");
  Deployment none = load("name: s\npools: {a: {count: 1}}\n");
  EXPECT_EQ(none.flow, "");
  EXPECT_EQ(none.pool("a")->flow, "");
  EXPECT_EQ(none.pool("a")->flowWhere, "");
}

TEST(DeployLoader, RequirementsComeFromParamsAndAfter) {
  Deployment d = load(kShop);
  EXPECT_EQ(d.pool("app")->requires_, std::vector<std::string>{"db"});
  EXPECT_EQ(d.pool("worker")->requires_, std::vector<std::string>{"db"});
  EXPECT_TRUE(d.pool("db")->requires_.empty());
  EXPECT_EQ(d.order, (std::vector<std::string>{"db", "app", "worker", "monitor"}));
}

TEST(DeployLoader, FilesTakeMetadataOrTheDefaults) {
  std::string yaml =
      "name: s\nflow: f\npools:\n  app:\n    count: 1\n    files:\n"
      "      app.conf: {path: /etc/app/app.conf, owner: app, group: www, mode: \"0640\"}\n";
  Deployment d =
      load(yaml, {{"files/app/app.conf", "port={{self.address}}\n"}, {"files/app/other", "plain"}});
  const auto& files = d.pool("app")->files;
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "app.conf");
  EXPECT_EQ(files[0].relpath, "files/app/app.conf");
  EXPECT_EQ(files[0].path, "/etc/app/app.conf");
  EXPECT_EQ(files[0].owner, "app");
  EXPECT_EQ(files[0].group, "www");
  EXPECT_EQ(files[0].mode, 0640u);
  EXPECT_EQ(files[0].text, "port={{self.address}}\n");
  EXPECT_EQ(files[1].path, "/etc/drover/files/app/other");
  EXPECT_EQ(files[1].owner, "root");
  EXPECT_EQ(files[1].mode, 0644u);
}

TEST(DeployLoader, AFileNamingAnotherPoolRequiresIt) {
  Deployment d = load("name: s\nflow: f\npools: {a: {count: 1, params: {p: 1}}, b: {count: 1}}\n",
                      {{"files/a/x", "{{pools.b.0.address}} {{params.p}} {{pools.a.*.name}}"}});
  EXPECT_EQ(d.pool("a")->requires_, std::vector<std::string>{"b"});
  EXPECT_EQ(d.order, (std::vector<std::string>{"b", "a"}));
}

}  // namespace
}  // namespace drover::deploy
