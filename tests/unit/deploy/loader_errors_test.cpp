// Every kind of problem a deployment file can have, each reported as
// FILE:LINE:COLUMN: KEY: what, and all of them at once.
#include <gtest/gtest.h>

#include "tests/unit/deploy/deploy_fixture.hpp"

namespace drover::deploy {
namespace {

using testing::problem;
using testing::problems;

const std::string kHead = "name: shop\nflow: masterless\n";

// A file of kHead and one pool `p` with the given body ("{count: 1}").
std::string withPool(const std::string& body) { return kHead + "pools:\n  p: " + body + "\n"; }

// `text` with a valid pool after it, so that only its own problem is reported.
std::string plus(const std::string& text) { return text + "instances: {one: {}}\n"; }

TEST(DeployLoaderErrors, SyntaxDocumentsAndShape) {
  EXPECT_EQ(problem("name: [a\n"),
            "shop.yaml:2:1: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(problem(kHead + "---\nname: b\n"),
            "shop.yaml:4:1: a deployment file holds one YAML document");
  EXPECT_EQ(problem(""), "shop.yaml: the file is empty");
  EXPECT_EQ(problem("- a\n"), "shop.yaml:1:1: expected a map, got a list");
}

TEST(DeployLoaderErrors, TopKeys) {
  EXPECT_EQ(problem(plus(kHead + "pool: {}\n")),
            "shop.yaml:3:1: pool: unknown key (did you mean 'pools'?)");
  EXPECT_EQ(problem(plus("flow: f\n")), "shop.yaml:1:1: name: is required");
  EXPECT_EQ(problem(plus("name: shop\nflow: [a]\n")),
            "shop.yaml:2:7: flow: expected a string, got a list");
  EXPECT_EQ(problem(withPool("{count: 1, flow: {a: 1}}")),
            "shop.yaml:4:23: pools.p.flow: expected a string, got a map");
  EXPECT_EQ(problem(plus("name: Shop\nflow: f\n")).substr(0, 29), "shop.yaml:1:7: name: service ");
  EXPECT_EQ(problem(plus(kHead + "ssh_trust: yes please\n")),
            "shop.yaml:3:12: ssh_trust: expected true or false, got 'yes please'");
  EXPECT_EQ(problem(plus(kHead + "facts: ipaddress\n")),
            "shop.yaml:3:8: facts: expected a list of strings, got 'ipaddress'");
  EXPECT_EQ(problem(plus(kHead + "pools: [a]\n")),
            "shop.yaml:3:8: pools: expected a map, got a list");
}

TEST(DeployLoaderErrors, DuplicateKeysAndNoPools) {
  EXPECT_EQ(problem(kHead + "name: again\npools: {p: {count: 1}}\n"),
            "shop.yaml:3:1: name: duplicate key (first on line 1)");
  EXPECT_EQ(problem(withPool("{count: 1, count: 2}")),
            "shop.yaml:4:17: pools.p.count: duplicate key (first on line 4)");
  EXPECT_EQ(problem(withPool("{count: 1, params: {a: 1, a: 2}}")),
            "shop.yaml:4:32: pools.p.params.a: duplicate key (first on line 4)");
  EXPECT_EQ(problem(kHead),
            "shop.yaml:1:1: pools: a deployment needs at least one pool or instance");
}

TEST(DeployLoaderErrors, PoolHeaders) {
  EXPECT_EQ(problem(withPool("{count: 1, size: 2}")), "shop.yaml:4:17: pools.p.size: unknown key");
  EXPECT_EQ(problem(withPool("{}")), "shop.yaml:4:6: pools.p.count: is required");
  EXPECT_EQ(problem(withPool("{count: 1001}")),
            "shop.yaml:4:14: pools.p.count: expected an integer from 0 to 1000, got '1001'");
  EXPECT_EQ(problem(withPool("{count: -1}")),
            "shop.yaml:4:14: pools.p.count: expected an integer from 0 to 1000, got '-1'");
  EXPECT_EQ(problem(withPool("{count: 1, type: ring}")),
            "shop.yaml:4:23: pools.p.type: expected masterful or iterative, got 'ring'");
  EXPECT_EQ(problem(withPool("{count: 1, service: a--b}")).substr(0, 37),
            "shop.yaml:4:26: pools.p.service: serv");
  EXPECT_EQ(problem(withPool("count")), "shop.yaml:4:6: pools.p: expected a map, got 'count'");
  EXPECT_EQ(problem(kHead + "pools: {Bad_Pool: {count: 1}}\n").substr(0, 62),
            "shop.yaml:3:9: pools.Bad_Pool: a pool name is a service name: ");
}

TEST(DeployLoaderErrors, InstancesTakeNoCount) {
  EXPECT_EQ(problem(kHead + "instances: {mon: {count: 2}}\n"),
            "shop.yaml:3:19: instances.mon.count: unknown key");
}

TEST(DeployLoaderErrors, AliasesCannotBlowUpAValue) {
  std::string text =
      kHead +
      "pools:\n  p:\n    count: 1\n    params:\n      a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string previous = "a";
  for (char name = 'b'; name <= 'g'; ++name) {
    text += std::string("      ") + name + ": &" + name + " [*" + previous + ", *" + previous +
            ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" +
            previous + ", *" + previous + ", *" + previous + ", *" + previous + "]\n";
    previous = std::string(1, name);
  }
  auto found = problems(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find("too large (YAML aliases?)"), std::string::npos) << found[0];
}

TEST(DeployLoaderErrors, DuplicatePoolsAndServices) {
  EXPECT_EQ(problem(kHead + "pools: {db: {count: 1}}\ninstances: {db: {}}\n"),
            "shop.yaml:4:13: instances.db: a second pool named 'db' (the first is on line 3)");
  EXPECT_EQ(problem(kHead + "pools: {db: {count: 1}, data: {count: 1, service: db}}\n"),
            "shop.yaml:3:25: pools.data: service 'db' is already pool 'db''s (line 3)");
}

TEST(DeployLoaderErrors, After) {
  EXPECT_EQ(problem(withPool("{count: 1, after: [q]}")),
            "shop.yaml:4:25: pools.p.after: unknown pool 'q'");
  EXPECT_EQ(problem(withPool("{count: 1, after: [p]}")),
            "shop.yaml:4:25: pools.p.after: a pool cannot wait for itself");
  EXPECT_EQ(problem(withPool("{count: 1, after: q}")),
            "shop.yaml:4:24: pools.p.after: expected a list of strings, got 'q'");
}

TEST(DeployLoaderErrors, Volumes) {
  EXPECT_EQ(problem(withPool("{count: 1, volumes: {size: 1}}")),
            "shop.yaml:4:26: pools.p.volumes: expected a list");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 64X, mount: /a}]}")),
            "shop.yaml:4:34: pools.p.volumes[0].size: expected a size such as 64M, 1G or 4096 "
            "(bytes), got '64X'");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 99999999999G, mount: /a}]}")),
            "shop.yaml:4:34: pools.p.volumes[0].size: expected a size such as 64M, 1G or 4096 "
            "(bytes), got '99999999999G'");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 0, mount: /a}]}")),
            "shop.yaml:4:34: pools.p.volumes[0].size: expected a size such as 64M, 1G or 4096 "
            "(bytes), got '0'");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 1M, mount: srv}]}")),
            "shop.yaml:4:45: pools.p.volumes[0].mount: 'srv' is not an absolute path");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 1M}]}")),
            "shop.yaml:4:27: pools.p.volumes[0].mount: is required");
  EXPECT_EQ(problem(withPool("{count: 1, volumes: [{size: 1M, mount: /a, kind: nfs}]}")),
            "shop.yaml:4:55: pools.p.volumes[0].kind: expected tmpfs or image, got 'nfs'");
}

TEST(DeployLoaderErrors, Stages) {
  EXPECT_EQ(problem(withPool("{count: 1, stages: [{bundle: bundles/none.tar}]}")),
            "shop.yaml:4:35: pools.p.stages[0].bundle: 'bundles/none.tar' does not exist or is "
            "not a regular file");
  EXPECT_EQ(problem(withPool("{count: 1, stages: [{bundle: ../base.tar}]}")),
            "shop.yaml:4:35: pools.p.stages[0].bundle: '../base.tar' is not a relative path "
            "inside the file's directory");
  EXPECT_EQ(problem(withPool("{count: 1, stages: [{bundle: /tmp/base.tar}]}")),
            "shop.yaml:4:35: pools.p.stages[0].bundle: '/tmp/base.tar' is not a relative path "
            "inside the file's directory");
  EXPECT_EQ(problem(withPool("{count: 1, stages: [{args: [a]}]}")),
            "shop.yaml:4:26: pools.p.stages[0].bundle: is required");
  EXPECT_EQ(problem(withPool("{count: 1, stages: [{bundle: bundles/base.tar, args: a}]}")),
            "shop.yaml:4:59: pools.p.stages[0].args: expected a list of strings, got 'a'");
}

TEST(DeployLoaderErrors, LauncherParamsAndTimeout) {
  EXPECT_EQ(problem(withPool("{count: 1, launcher: small}")),
            "shop.yaml:4:27: pools.p.launcher: expected a map, got 'small'");
  EXPECT_EQ(problem(withPool("{count: 1, params: [a]}")),
            "shop.yaml:4:25: pools.p.params: expected a map, got a list");
  EXPECT_EQ(problem(withPool("{count: 1, stage_timeout: 10}")),
            "shop.yaml:4:32: pools.p.stage_timeout: expected a duration such as 500ms, 30s, 5m "
            "or 1h (at most 7 days), got '10'");
  EXPECT_EQ(problem(plus(kHead + "defaults: {count: 2}\n")),
            "shop.yaml:3:12: defaults.count: unknown key");
}

TEST(DeployLoaderErrors, Files) {
  EXPECT_EQ(problem(withPool("{count: 1, files: {a.conf: {}}}")),
            "shop.yaml:4:25: pools.p.files.a.conf: there is no file files/p/a.conf beside the "
            "deployment file");
  std::map<std::string, std::string> files{{"files/p/a.conf", "x"}};
  EXPECT_EQ(problem(withPool("{count: 1, files: {a.conf: {path: etc/a}}}"), files),
            "shop.yaml:4:40: pools.p.files.a.conf.path: 'etc/a' is not an absolute file path");
  EXPECT_EQ(problem(withPool("{count: 1, files: {a.conf: {mode: 0999}}}"), files),
            "shop.yaml:4:40: pools.p.files.a.conf.mode: expected an octal mode such as \"0640\", "
            "got '0999'");
  EXPECT_EQ(problem(withPool("{count: 1, files: {a.conf: {user: x}}}"), files),
            "shop.yaml:4:34: pools.p.files.a.conf.user: unknown key");
  EXPECT_EQ(problem(withPool("{count: 1}"), {{"files/q/a.conf", "x"}}),
            "shop.yaml: files/q/a.conf: there is no pool 'q' for this file");
}

TEST(DeployLoaderErrors, EveryProblemIsReportedInFileOrder) {
  auto found =
      problems("name: Shop\npools:\n  p: {count: x, type: ring}\n  q: {count: 1, after: [z]}\n");
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].substr(0, 20), "shop.yaml:1:7: name:");
  EXPECT_EQ(found[1].substr(0, 29), "shop.yaml:3:14: pools.p.count");
  EXPECT_EQ(found[2].substr(0, 28), "shop.yaml:3:23: pools.p.type");
  EXPECT_EQ(found[3], "shop.yaml:4:25: pools.q.after: unknown pool 'z'");
  try {
    testing::load("name: Shop\npools:\n  p: {count: x, type: ring}\n  q: {count: 1, after: [z]}\n");
  } catch (const DeploymentError& e) {
    EXPECT_EQ(std::string(e.what()),
              found[0] + "\n" + found[1] + "\n" + found[2] + "\n" + found[3]);
  }
}

}  // namespace
}  // namespace drover::deploy
