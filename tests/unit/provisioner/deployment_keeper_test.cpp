// DeploymentKeeper against a real store, with members simulated at the bus seam (the
// cluster agent's replies) and a launcher that records what it was asked. The real
// launchers, agents and processes meet in tests/integration/deploy.
#include "provisioner/deploy/deployment_keeper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <utility>

#include "core/util/base64.hpp"
#include "core/util/blob_store.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

// Members as the keeper reaches them over the bus: what each was told, in order.
class SimulatedMembers : public StepExecutor {
 public:
  std::vector<CallReply> call(const CallRequest& request) override {
    std::lock_guard lock(mutex);
    std::vector<CallReply> out;
    for (const auto& node : request.nodes) {
      calls[node].push_back(request.action);
      if (silent.count(node)) {
        out.push_back(CallReply{node, false, {}, Json::object(), "", false});
        continue;
      }
      out.push_back(CallReply{node, true, {}, answer(node, request), "", true});
    }
    return out;
  }

  Json answer(const std::string& node, const CallRequest& request) {
    const Json& args = request.args;
    if (request.action == "ssh_keys")
      return {{"root_public_key", "ssh-ed25519 ROOT" + node},
              {"host_keys", {"ssh-ed25519 HOST" + node}}};
    // As the cluster agent does: a version older than the one held is not applied.
    if (request.action == "set_facts" && newer(args, facts[node])) facts[node] = args;
    if (request.action == "set_trust" && newer(args, trust[node])) trust[node] = args;
    if (request.action == "write_file") files[node][args["path"]] = args["content"];
    if (request.action == "put_chunk") return {{"held", args["size"]}, {"complete", true}};
    if (request.action == "run_stage") {
      stages[node].push_back(args);
      int code = failStage.count(node) ? 3 : 0;
      return {{"exit_code", code}, {"duration_ms", 5}, {"output_tail", code ? "boom" : "ok"}};
    }
    return Json::object();
  }

  static bool newer(const Json& args, const Json& held) {
    return held.is_null() || args["version"] >= held["version"];
  }

  std::vector<std::string> callsOf(const std::string& node) {
    std::lock_guard lock(mutex);
    return calls[node];
  }
  std::size_t stageRuns(const std::string& node) {
    std::lock_guard lock(mutex);
    return stages[node].size();
  }
  std::string fileOf(const std::string& node, const std::string& path) {
    std::lock_guard lock(mutex);
    return files[node][path];
  }
  Json factsOf(const std::string& node) {
    std::lock_guard lock(mutex);
    return facts[node];
  }
  Json trustOf(const std::string& node) {
    std::lock_guard lock(mutex);
    return trust[node];
  }

  std::mutex mutex;
  std::set<std::string> silent, failStage;
  std::map<std::string, std::vector<std::string>> calls;
  std::map<std::string, Json> facts, trust;
  std::map<std::string, std::map<std::string, std::string>> files;
  std::map<std::string, std::vector<Json>> stages;
};

// A launcher that makes instances on paper and remembers them across keepers (the
// local launcher's state files do the same).
struct PaperLaunches {
  std::mutex mutex;
  std::map<std::string, launchers::Instance> instances;  // identity -> instance
  std::vector<std::string> launched, terminated;
  // Run inside launch(), before it returns: what happens while a batch is still starting.
  std::function<void()> duringLaunch;
};

class PaperLauncher : public launchers::Launcher {
 public:
  explicit PaperLauncher(PaperLaunches& state) : state_(state) {}
  std::vector<launchers::Instance> launch(
      const std::string&, const std::vector<launchers::MemberLaunch>& members) override {
    if (state_.duringLaunch) std::exchange(state_.duringLaunch, nullptr)();
    std::lock_guard lock(state_.mutex);
    std::vector<launchers::Instance> out;
    for (const auto& m : members) {
      launchers::Instance i{"id-" + m.identity, m.identity, "running",
                            Json{{"service", m.service}}};
      state_.instances[m.identity] = i;
      state_.launched.push_back(m.identity);
      out.push_back(i);
    }
    return out;
  }
  void terminate(const std::string&, const std::vector<std::string>& ids) override {
    std::lock_guard lock(state_.mutex);
    for (const auto& id : ids) {
      state_.terminated.push_back(id);
      state_.instances.erase(id.substr(3));
    }
  }
  std::vector<launchers::Instance> list(const std::string&) override {
    std::lock_guard lock(state_.mutex);
    std::vector<launchers::Instance> out;
    for (const auto& [identity, i] : state_.instances) out.push_back(i);
    return out;
  }

 private:
  PaperLaunches& state_;
};

class RecordingSink : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event& event) noexcept override {
    std::lock_guard lock(mutex);
    events.push_back(event);
  }
  std::mutex mutex;
  std::vector<notifiers::Event> events;
};

const char* kShop = R"YAML(
name: shop
flow: test
ssh_trust: true
facts: [region]
defaults:
  stages:
    - {bundle: bundles/base.tar}
pools:
  db: {type: masterful, count: 1}
  app:
    count: 2
    params:
      db_host: "{{pools.db.master.address}}"
)YAML";

class DeploymentKeeperTest : public ::testing::Test {
 protected:
  DeploymentKeeperTest() {
    options.blobDir = dir / "blobs";
    options.retryAfter = 50ms;
    options.callTimeout = 1s;
    options.flows = {"test", "other"};
    options.workers = 2;
    std::ofstream(dir / "base.tar") << bundle;
  }

  void open() {
    if (!store) store = std::make_unique<Store>(dir / "state.db");
    keeper = std::make_unique<DeploymentKeeper>(options, *store, members,
                                                std::make_unique<PaperLauncher>(launches), "",
                                                nullptr, sink, [] { return util::nowMs(); });
    keeper->setChangeListener([this] { ++changes; });
    keeper->start(DeploymentKeeper::EngineLink{
        [this](const std::string& identity) -> std::optional<Json> {
          if (!provisioned.count(identity)) return std::nullopt;
          return Json{
              {"state", "provisioned"}, {"step", "notify"}, {"finished_ms", provisioned[identity]}};
        },
        [this](const std::string& identity, const std::string& flow) {
          std::lock_guard lock(flowsMutex);
          flows[identity] = flow;
          return std::string();
        },
        [this](const std::string& identity, const std::string&) {
          std::lock_guard lock(flowsMutex);
          forgotten.push_back(identity);
        }});
  }
  void restart() {
    keeper.reset();
    store.reset();
    open();
  }

  // The bundle uploaded, then `up` with `text` and its config files (path -> text).
  Json up(const std::string& text, const Json& files = Json::object()) {
    std::string digest = util::sha256Digest(bundle);
    keeper->putBlob(Json{{"digest", digest},
                         {"size", bundle.size()},
                         {"offset", 0},
                         {"data", util::encodeBase64(bundle)}});
    return keeper->up(Json{{"file", "shop.yaml"},
                           {"text", text},
                           {"blobs", {{"bundles/base.tar", digest}}},
                           {"files", files}},
                      "admin");
  }

  // Every member of kShop, once launched, registers and is provisioned: db-master at
  // 10.1.0.2, app-0 at .3, app-1 at .4.
  bool allArrive() {
    if (!waitState("shop-app-1", "booting")) return false;
    arrive("shop-db-0", "db-master", "10.1.0.2");
    arrive("shop-app-0", "app-0", "10.1.0.3");
    arrive("shop-app-1", "app-1", "10.1.0.4");
    return true;
  }

  // A member registers (named, at an address) and the flow provisions it.
  void arrive(const std::string& identity, const std::string& name, const std::string& address) {
    Registration r;
    r.identity = identity;
    r.facts = Json{{"ipaddress", address}, {"region", "eu"}};
    r.naming = Json{{"name", name}, {"fqdn", name + ".example"}};
    r.verified = true;
    keeper->observe(r);
    provisioned[identity] = flowSays(identity, NodeState::Provisioned);
  }

  // The engine's word on a member's flow; returns the finish time it gave.
  std::int64_t flowSays(const std::string& identity, NodeState state,
                        std::int64_t finishedMs = util::nowMs(), const std::string& error = "") {
    NodeRecord record;
    record.identity = identity;
    record.state = state;
    record.stepName = "production_apply";
    record.lastError = error;
    record.finishedMs = finishedMs;
    keeper->engineChanged(record);
    return finishedMs;
  }

  Json member(const std::string& identity) {
    auto status = keeper->status("shop");
    if (!status) return Json();
    for (const auto& m : (*status)["members"])
      if (m["identity"] == identity) return m;
    return Json();
  }
  bool waitState(const std::string& identity, const std::string& state) {
    return waitFor([&] { return member(identity).value("state", "") == state; });
  }
  template <typename F>
  bool waitFor(F done) {
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(5ms)) {
      if (done()) return true;
    }
    return done();
  }

  testing::TempDir dir;
  std::string bundle = "bundle bytes";
  DeployOptions options;
  SimulatedMembers members;
  PaperLaunches launches;
  RecordingSink sink;
  std::unique_ptr<Store> store;
  std::unique_ptr<DeploymentKeeper> keeper;
  std::map<std::string, std::int64_t> provisioned;  // the flow's view: identity -> finished_ms
  std::mutex flowsMutex;
  std::map<std::string, std::string> flows;  // the flow each member was assigned
  std::vector<std::string> forgotten;        // members the engine was told are gone
  std::atomic<int> changes{0};
};

TEST_F(DeploymentKeeperTest, UpLaunchesEveryPoolsCountOnceAndSaysWhatItLaunched) {
  open();
  Json out = up(kShop);
  // db first: app requires it.
  EXPECT_EQ(out["launched"], Json({"shop-db-0", "shop-app-0", "shop-app-1"}));
  ASSERT_TRUE(waitFor([&] { return member("shop-db-0")["state"] == "booting"; }));
  EXPECT_EQ(launches.launched.size(), 3u);
  // The same file again launches nothing more.
  out = up(kShop);
  EXPECT_EQ(out["launched"], Json::array());
  EXPECT_EQ(launches.launched.size(), 3u);
}

// app waits for db-master's address with nothing polled: it goes on when db registers.
TEST_F(DeploymentKeeperTest, AMemberWaitsForItsPeerAndGoesOnWhenThePeerRegisters) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-app-0", "booting"));
  arrive("shop-app-0", "app-0", "10.1.0.3");
  ASSERT_TRUE(waitState("shop-app-0", "waiting"));
  EXPECT_EQ(member("shop-app-0")["waiting_for"], Json({"db-master.address"}));
  arrive("shop-db-0", "db-master", "10.1.0.2");
  ASSERT_TRUE(waitState("shop-db-0", "done"));
  ASSERT_TRUE(waitState("shop-app-0", "done"));
  // Its keys were asked before its stages ran (the pusher may give it facts at any time).
  auto calls = members.callsOf("shop-app-0");
  auto keys = std::find(calls.begin(), calls.end(), "ssh_keys");
  EXPECT_LT(keys - calls.begin(),
            std::find(calls.begin(), calls.end(), "run_stage") - calls.begin());
  ASSERT_EQ(members.stageRuns("shop-app-0"), 1u);
  EXPECT_EQ(members.stages["shop-app-0"][0]["params"]["db_host"], "10.1.0.2");
  // Every wired member ends with the cluster facts listing both named members.
  ASSERT_TRUE(waitFor([&] { return members.factsOf("shop-app-0")["facts"].size() == 2; }));
  EXPECT_EQ(members.factsOf("shop-app-0")["facts"]["db-master"]["address"], "10.1.0.2");
  // And the trust: both root keys, db-master's host key known by its name.
  ASSERT_TRUE(waitFor([&] { return members.trustOf("shop-db-0")["authorized_keys"].size() == 2; }));
}

// A launch call covers the whole batch: the first members boot, register and are
// provisioned by the flow while the launcher still starts the others. Such a member goes
// on once the call returns, with no further word from the flow.
TEST_F(DeploymentKeeperTest, AMemberProvisionedWhileItsBatchStillLaunchedGoesOn) {
  open();
  launches.duringLaunch = [&] {
    arrive("shop-db-0", "db-master", "10.1.0.2");
    arrive("shop-app-0", "app-0", "10.1.0.3");
  };
  up(kShop);
  ASSERT_TRUE(waitState("shop-db-0", "done")) << member("shop-db-0").dump();
  ASSERT_TRUE(waitState("shop-app-0", "done")) << member("shop-app-0").dump();
  EXPECT_EQ(member("shop-app-1")["state"], "booting");  // not provisioned: still waits
  EXPECT_EQ(members.stageRuns("shop-db-0"), 1u);
}

// The flow failed the member; an operator's retry of the flow takes it on again.
TEST_F(DeploymentKeeperTest, AMemberTheFlowFailedGoesOnWhenTheFlowIsRetried) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-db-0", "booting"));
  flowSays("shop-db-0", NodeState::Failed, util::nowMs(), "puppet apply failed");
  ASSERT_TRUE(waitState("shop-db-0", "failed"));
  EXPECT_EQ(member("shop-db-0")["error"], "puppet apply failed");
  flowSays("shop-db-0", NodeState::Running, 0);
  ASSERT_TRUE(waitState("shop-db-0", "provisioning"));
  EXPECT_EQ(member("shop-db-0")["error"], "");
  arrive("shop-db-0", "db-master", "10.1.0.2");
  ASSERT_TRUE(waitState("shop-db-0", "done")) << member("shop-db-0").dump();
}

TEST_F(DeploymentKeeperTest, AFailedStageStopsTheMemberWithItsOutputAndANotification) {
  open();
  members.failStage.insert("shop-db-0");
  up(kShop);
  ASSERT_TRUE(waitState("shop-db-0", "booting"));
  arrive("shop-db-0", "db-master", "10.1.0.2");
  ASSERT_TRUE(waitState("shop-db-0", "failed"));
  Json m = member("shop-db-0");
  EXPECT_NE(m["error"].get<std::string>().find("boom"), std::string::npos) << m.dump();
  EXPECT_EQ(m["stages"][0]["exit_code"], 3);
  std::lock_guard lock(sink.mutex);
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events.back().kind, notifiers::EventKind::Failed);
}

// Killed and started again: nothing is launched twice and a stage done is not run again.
TEST_F(DeploymentKeeperTest, ARestartedKeeperResumesWithoutLaunchingOrRunningTwice) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-db-0", "booting"));
  arrive("shop-db-0", "db-master", "10.1.0.2");
  ASSERT_TRUE(waitState("shop-db-0", "done"));
  restart();
  arrive("shop-db-0", "db-master", "10.1.0.2");
  arrive("shop-app-0", "app-0", "10.1.0.3");
  arrive("shop-app-1", "app-1", "10.1.0.4");
  ASSERT_TRUE(waitState("shop-app-1", "done"));
  ASSERT_TRUE(waitState("shop-app-0", "done"));
  EXPECT_EQ(launches.launched.size(), 3u);
  EXPECT_EQ(members.stageRuns("shop-db-0"), 1u);
  // Done once every member also holds the latest cluster facts and trust.
  EXPECT_TRUE(waitFor([&] { return keeper->status("shop")->at("state") == "done"; }));
}

TEST_F(DeploymentKeeperTest, AShrunkPoolStopsItsHighestNamesAndDownStopsEverything) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-app-1", "booting"));
  arrive("shop-app-0", "app-1", "10.1.0.3");  // names need not follow slots
  arrive("shop-app-1", "app-0", "10.1.0.4");
  std::string smaller = kShop;
  smaller.replace(smaller.find("count: 2"), 8, "count: 1");
  Json out = up(smaller);
  EXPECT_EQ(out["stopping"], Json({"shop-app-0"}));
  ASSERT_TRUE(waitFor([&] { return member("shop-app-0").is_null(); }));
  EXPECT_EQ(launches.terminated, std::vector<std::string>{"id-shop-app-0"});
  keeper->down("shop", "admin");
  ASSERT_TRUE(waitFor([&] { return !keeper->status("shop"); }));
  EXPECT_EQ(launches.instances.size(), 0u);
  // The flow forgets every member stopped, so provision status does not list them.
  std::lock_guard lock(flowsMutex);
  std::sort(forgotten.begin(), forgotten.end());
  EXPECT_EQ(forgotten, (std::vector<std::string>{"shop-app-0", "shop-app-1", "shop-db-0"}));
}

// Shrunk, then grown: the slot's identity comes back for a new member, and what the flow
// said of the old one (provisioned) does not make the new one skip its flow.
TEST_F(DeploymentKeeperTest, AReusedSlotWaitsForItsOwnFlowNotThePreviousMembers) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-app-1", "booting"));
  arrive("shop-app-1", "app-0", "10.1.0.4");
  arrive("shop-app-0", "app-1", "10.1.0.3");
  std::string smaller = kShop;
  smaller.replace(smaller.find("count: 2"), 8, "count: 1");
  ASSERT_EQ(up(smaller)["stopping"], Json({"shop-app-0"}));
  ASSERT_TRUE(waitFor([&] { return member("shop-app-0").is_null(); }));
  ASSERT_EQ(up(kShop)["launched"], Json({"shop-app-0"}));
  ASSERT_TRUE(waitState("shop-app-0", "booting"));
  flowSays("shop-app-0", NodeState::Provisioned, provisioned["shop-app-0"]);
  EXPECT_EQ(member("shop-app-0")["state"], "booting");
  arrive("shop-app-0", "app-1", "10.1.0.5");
  EXPECT_TRUE(waitState("shop-app-0", "waiting"));  // its own flow: on its way again
}

// A stage that ran is not run again, unless `up` brings a changed bundle for it.
TEST_F(DeploymentKeeperTest, AChangedBundleRunsItsStageAgainOnAMemberThatIsDone) {
  open();
  up(kShop);
  ASSERT_TRUE(waitState("shop-db-0", "booting"));
  arrive("shop-db-0", "db-master", "10.1.0.2");
  ASSERT_TRUE(waitState("shop-db-0", "done"));
  up(kShop);
  EXPECT_EQ(member("shop-db-0")["state"], "done");  // the same bundle: nothing to run
  bundle = "the bundle, changed";
  up(kShop);
  ASSERT_TRUE(waitFor([&] { return members.stageRuns("shop-db-0") == 2; }));
  ASSERT_TRUE(waitState("shop-db-0", "done"));
  EXPECT_EQ(member("shop-db-0")["stages"][0]["digest"], util::sha256Digest(bundle));
}

TEST_F(DeploymentKeeperTest, ABadFileOrAnotherFlowIsRefusedNamingWhere) {
  open();
  try {
    up("name: shop\npools:\n  db: {count: -1}\n");
    FAIL() << "accepted";
  } catch (const DeployError& e) {
    EXPECT_TRUE(e.invalid());
    EXPECT_NE(std::string(e.what()).find("shop.yaml:3:"), std::string::npos) << e.what();
  }
  std::string unknown = kShop;
  unknown.replace(unknown.find("flow: test"), 10, "flow: nope");
  try {
    up(unknown);
    FAIL() << "accepted";
  } catch (const DeployError& e) {
    EXPECT_EQ(std::string(e.what()),
              "shop.yaml:3:7: flow: no flow 'nope' on this provisioner (it has test, other; its "
              "deployments.flow_files adds flows)");
  }
  EXPECT_TRUE(launches.launched.empty());
}

// Each member is assigned its pool's flow before it is launched, and again at a restart.
TEST_F(DeploymentKeeperTest, EachMemberGoesThroughItsPoolsFlow) {
  open();
  std::string text = kShop;
  text.replace(text.find("count: 2"), 8, "count: 2\n    flow: other");
  std::atomic<bool> assignedBeforeLaunch{false};
  launches.duringLaunch = [&] {
    std::lock_guard lock(flowsMutex);
    assignedBeforeLaunch = flows.size() == 3;
  };
  up(text);
  ASSERT_TRUE(waitFor([&] { return member("shop-app-1")["state"] == "booting"; }));
  EXPECT_TRUE(assignedBeforeLaunch);
  {
    std::lock_guard lock(flowsMutex);
    EXPECT_EQ(flows, (std::map<std::string, std::string>{
                         {"shop-db-0", "test"}, {"shop-app-0", "other"}, {"shop-app-1", "other"}}));
    flows.clear();
  }
  EXPECT_EQ(member("shop-app-0")["flow"], "other");
  restart();
  std::lock_guard lock(flowsMutex);
  EXPECT_EQ(flows.size(), 3u);
  EXPECT_EQ(flows["shop-app-1"], "other");
}

// A done member's config file follows the peers it names: db-master at a new address
// has the app's file written again, and its stage, done, is not run again.
TEST_F(DeploymentKeeperTest, ADoneMembersFilesAreWrittenAgainWhenAPeerTheyNameChanges) {
  open();
  up(kShop, Json{{"files/app/app.conf", "db={{params.db_host}}\n"}});
  const std::string conf = "/etc/drover/files/app/app.conf";
  ASSERT_TRUE(allArrive());
  ASSERT_TRUE(waitState("shop-app-0", "done"));
  EXPECT_EQ(members.fileOf("shop-app-0", conf), "db=10.1.0.2\n");
  arrive("shop-db-0", "db-master", "10.1.0.9");
  ASSERT_TRUE(waitFor([&] { return members.fileOf("shop-app-0", conf) == "db=10.1.0.9\n"; }));
  ASSERT_TRUE(waitState("shop-app-0", "done"));
  EXPECT_EQ(members.stageRuns("shop-app-0"), 1u);
}

// Bundles no deployment names go (once an hour old); those a deployment names stay.
TEST_F(DeploymentKeeperTest, BundlesNoDeploymentNamesAreRemoved) {
  open();
  std::string stale = "stale bundle";
  util::BlobStore blobs(options.blobDir, 1 << 20);
  blobs.put(util::sha256Digest(stale), stale.size(), 0, stale);
  std::filesystem::last_write_time(*blobs.find(util::sha256Digest(stale)),
                                   std::filesystem::file_time_type::clock::now() - 2h);
  up(kShop);
  EXPECT_FALSE(blobs.find(util::sha256Digest(stale)));
  EXPECT_TRUE(blobs.find(util::sha256Digest(bundle)));
}

// Done means every member also holds the cluster facts as they are now: a member that
// does not take the latest stays "waiting for cluster facts version N" until it does.
TEST_F(DeploymentKeeperTest, ADeploymentIsDoneOnlyWhenEveryMemberHoldsTheLatestFacts) {
  open();
  up(kShop);
  ASSERT_TRUE(allArrive());
  ASSERT_TRUE(waitFor([&] { return keeper->status("shop")->at("state") == "done"; }));
  {
    std::lock_guard lock(members.mutex);
    members.silent.insert("shop-app-0");
  }
  arrive("shop-db-0", "db-master", "10.1.0.9");  // the cluster facts change
  ASSERT_TRUE(waitFor([&] {
    return member("shop-app-0")["waiting_for"].dump().find("cluster facts version") !=
           std::string::npos;
  })) << member("shop-app-0").dump();
  EXPECT_EQ(keeper->status("shop")->at("state"), "running");
  {
    std::lock_guard lock(members.mutex);
    members.silent.clear();
  }
  ASSERT_TRUE(waitFor([&] { return keeper->status("shop")->at("state") == "done"; }));
  EXPECT_EQ(members.factsOf("shop-app-0")["facts"]["db-master"]["address"], "10.1.0.9");
}

}  // namespace
}  // namespace drover::provisioner
