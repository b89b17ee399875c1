// Deployments end to end (provisioner/README.md, "Deployments"): real broker, provisioner, local
// launcher, namespaced droverd members, sshd from Debian in each member, `drover deploy`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "tests/integration/deploy/deploy_it.hpp"

namespace drover::integration {
namespace {

using ::testing::HasSubstr;

bool allDone(const Json& s, std::size_t count) {
  if (s["members"].size() != count) return false;
  for (const auto& m : s["members"])
    if (m["state"] != "done") return false;
  return s["state"] == "done";
}

std::string poolOf(const Json& member) { return member.value("pool", ""); }

// name -> address, from the members' status.
std::map<std::string, std::string> addresses(const std::map<std::string, Json>& members) {
  std::map<std::string, std::string> out;
  for (const auto& [identity, m] : members) out[m["name"]] = m["launch"].value("address", "");
  return out;
}

std::string identityNamed(const std::map<std::string, Json>& members, const std::string& name) {
  for (const auto& [identity, m] : members)
    if (m["name"] == name) return identity;
  return "";
}

std::size_t namespacesOf(const std::string& prefix) {
  auto list = util::runProcess({"ip", "netns", "list"}, "", 10s);
  std::size_t n = 0;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) ++n;
  return n;
}

// Every member's cluster facts file lists exactly the names of `members`, each with the
// address the launcher gave it.
void expectClusterFacts(const std::string& deployment, const std::map<std::string, Json>& members) {
  auto expected = addresses(members);
  for (const auto& [identity, m] : members) {
    fs::path file = fs::path(m["launch"].value("root", "")) / "etc/drover/cluster_facts.json";
    Json facts = Json::parse(readFile(file), nullptr, false);
    ASSERT_FALSE(facts.is_discarded()) << identity << ": " << readFile(file);
    std::map<std::string, std::string> seen;
    for (const auto& [name, entry] : facts.items()) seen[name] = entry.value("address", "");
    EXPECT_EQ(seen, expected) << identity << " in " << deployment;
  }
}

TEST_F(DeploySuite, AClusterComesUpWiredWaitsForItsPeersSurvivesAHaltAndResizes) {
  // No db yet: the apps wait for db-master's address, the workers go on meanwhile.
  fs::path file = writeDeployment("shop", 0, 2, 3);
  CliRun up = deploy({"up", file.string(), "--no-wait"});
  ASSERT_EQ(up.exitCode, 0) << up.out << up.err;
  ASSERT_TRUE(waitStatus("shop",
                         [](const Json& s) {
                           std::size_t waiting = 0, workersDone = 0;
                           for (const auto& m : s["members"]) {
                             if (poolOf(m) == "app" && m["state"] == "waiting" &&
                                 m["waiting_for"].dump().find("db-master.address") !=
                                     std::string::npos)
                               ++waiting;
                             if (poolOf(m) == "worker" && m["state"] == "done") ++workersDone;
                           }
                           return waiting == 2 && workersDone == 3;
                         }))
      << status("shop").dump(2) << logs();

  // db arrives: the apps go on the moment db-master registers, and `up` ends when all are done.
  writeDeployment("shop", 2, 2, 3);
  up = deploy({"up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up.out << up.err << status("shop").dump(2) << logs();
  auto all = members("shop");
  ASSERT_TRUE(allDone(status("shop"), 7)) << status("shop").dump(2);
  expectClusterFacts("shop", all);

  // The live page shows the deployment with each member where it is.
  httplib::Client http("127.0.0.1", world_->provisioner->httpPort());
  auto page = http.Get("/api/state");
  ASSERT_TRUE(page);
  Json shown = Json::parse(page->body)["deployments"];
  ASSERT_EQ(shown.size(), 1u) << shown.dump(2);
  EXPECT_EQ(shown[0]["name"], "shop");
  EXPECT_EQ(shown[0]["members"].size(), 7u);
  for (const Json& m : shown[0]["members"]) EXPECT_EQ(m["state"], "done") << m.dump();

  // Root SSH between members, host keys checked: a name the trust does not list is refused.
  std::string app0 = identityNamed(all, "app-0");
  auto ssh = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv{"ssh",           "-o", "StrictHostKeyChecking=yes", "-o",
                                  "BatchMode=yes", "-o", "ConnectTimeout=10"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"root@db-master", "hostname"});
    return inMember("shop", app0, argv);
  };
  auto trusted = ssh({});
  EXPECT_EQ(trusted.exitCode, 0) << trusted.err;
  EXPECT_EQ(trusted.out, "db-master");
  auto stranger = ssh({"-o", "HostKeyAlias=stranger"});
  EXPECT_NE(stranger.exitCode, 0) << stranger.out;

  // The app's config file rendered with its parameters, with its mode; the worker's volume.
  fs::path appConf = memberRoot("shop", app0) / "etc/app/app.conf";
  EXPECT_EQ(readFile(appConf),
            "db_host=" + addresses(all)["db-master"] + "\nworkers=worker-0,worker-1,worker-2\n");
  EXPECT_EQ(fs::status(appConf).permissions() & fs::perms::all, fs::perms(0640));
  auto volume = inMember("shop", identityNamed(all, "worker-0"),
                         {"findmnt", "-n", "-o", "FSTYPE,SIZE", "/srv/data"});
  EXPECT_EQ(volume.out, "tmpfs   16M") << volume.err;

  // Every member went through the masterless flow: Puppet applied the image's code.
  for (const auto& [identity, m] : all) {
    EXPECT_TRUE(fs::exists(memberRoot("shop", identity) / "root/puppet-applied")) << identity;
  }

  // Five workers; the CLI and the provisioner killed while they launch, then `up` again.
  writeDeployment("shop", 2, 2, 5);
  auto cli = deployInBackground({"up", file.string()});
  ASSERT_TRUE(waitStatus("shop", [](const Json& s) { return s["members"].size() == 9; }));
  cli->kill();
  world_->provisioner->kill();
  world_->provisioner->start();
  up = deploy({"up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up.out << up.err << status("shop").dump(2) << logs();
  all = members("shop");
  ASSERT_EQ(all.size(), 9u);
  EXPECT_EQ(namespacesOf(world_->bridge + "-"), 9u);  // no member launched twice
  for (const auto& [identity, m] : all) {
    EXPECT_EQ(readFile(fs::path(m["launch"].value("root", "")) / "root/runs.log"),
              "stage-0 \nstage-1 --from test\n")
        << identity << ": every stage ran once";
  }
  expectClusterFacts("shop", all);

  // Back to two workers: the others stop, and every member's facts and hosts lose them.
  writeDeployment("shop", 2, 2, 2);
  up = deploy({"up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up.out << up.err;
  ASSERT_TRUE(waitStatus("shop", [](const Json& s) { return allDone(s, 6); }));
  all = members("shop");
  ASSERT_TRUE(testing::waitFor(
      [&] {
        for (const auto& [identity, m] : all) {
          std::string hosts = readFile(fs::path(m["launch"].value("root", "")) / "etc/hosts");
          // The names block's lines: ADDRESS NAME.DOMAIN NAME.
          if (hosts.find(" worker-2.deploy.example") != std::string::npos) return false;
          if (hosts.find(" worker-1.deploy.example") == std::string::npos) return false;
        }
        return true;
      },
      60s));
  expectClusterFacts("shop", all);
  // The apps' config file, done long ago, lists the workers there are now.
  EXPECT_EQ(readFile(memberRoot("shop", app0) / "etc/app/app.conf"),
            "db_host=" + addresses(all)["db-master"] + "\nworkers=worker-0,worker-1\n");

  CliRun down = deploy({"down", "shop"});
  ASSERT_EQ(down.exitCode, 0) << down.out << down.err;
  ASSERT_TRUE(testing::waitFor([] { return status("shop").is_null(); }, 60s));
  EXPECT_EQ(namespacesOf(world_->bridge + "-"), 0u);
  // Nor does the provisioner keep the stopped members' nodes.
  EXPECT_TRUE(testing::waitFor(
      [] { return provisionStatus().out.find("shop-") == std::string::npos; }, 30s))
      << provisionStatus().out;
}

// A pool naming another flow of the provisioner goes through it; the others through the
// file's. The provisioner's status says which.
TEST_F(DeploySuite, EachPoolGoesThroughTheFlowItNames) {
  fs::path file = writeDeployment("mix", 1, 0, 1, false, "named");
  CliRun up = deploy({"up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up.out << up.err << status("mix").dump(2) << logs();
  auto all = members("mix");
  ASSERT_EQ(all.size(), 2u);
  for (const auto& [identity, m] : all) {
    bool worker = poolOf(m) == "worker";
    EXPECT_EQ(m["flow"], worker ? "named" : "masterless") << identity;
    // named applies nothing; masterless runs Puppet on the image's code.
    EXPECT_EQ(fs::exists(memberRoot("mix", identity) / "root/puppet-applied"), !worker) << identity;
  }
  CliRun flows = provisionStatus();
  EXPECT_THAT(flows.out, HasSubstr("(flow masterless, named)"));
  EXPECT_THAT(flows.out, HasSubstr("flow named")) << flows.out;
  CliRun down = deploy({"down", "mix"});
  EXPECT_EQ(down.exitCode, 0) << down.out << down.err;
  ASSERT_TRUE(testing::waitFor([] { return status("mix").is_null(); }, 60s));
}

TEST_F(DeploySuite, AFailingStageStopsItsMemberWithTheOutputAndUpSaysSo) {
  fs::path file = writeDeployment("lab", 1, 0, 0, /*failingStage=*/true);
  CliRun up = deploy({"up", file.string()});
  EXPECT_EQ(up.exitCode, 1) << up.out << up.err;
  EXPECT_THAT(up.out + up.err, HasSubstr("about to fail"));
  Json s = status("lab");
  ASSERT_EQ(s["members"].size(), 1u) << s.dump(2);
  const Json& m = s["members"][0];
  EXPECT_EQ(m["state"], "failed");
  EXPECT_THAT(m.value("error", ""), HasSubstr("exited with 7"));
  ASSERT_EQ(m["stages"].size(), 2u) << m.dump(2);
  EXPECT_EQ(m["stages"][1]["exit_code"], 7);
  EXPECT_EQ(m["stages"][0]["exit_code"], 0);
  CliRun down = deploy({"down", "lab"});
  EXPECT_EQ(down.exitCode, 0) << down.out << down.err;
  ASSERT_TRUE(testing::waitFor([] { return status("lab").is_null(); }, 60s));
}

}  // namespace
}  // namespace drover::integration
