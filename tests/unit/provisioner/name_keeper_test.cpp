// The name keeper against a real SQLite store and simulated nodes: names on disk before
// anyone hears them, bursts, restarts, promotion without a shared name, silence, hosts
// pushes, nodes that come back; and the engine's assign_name step with it.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "notifiers/event.hpp"
#include "provisioner/engine.hpp"
#include "provisioner/name_keeper.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

Json db() { return Json{{"service", "db"}, {"type", "masterful"}, {"aliases", Json::array()}}; }
Json web() { return Json{{"service", "web"}, {"type", "iterative"}, {"aliases", Json::array()}}; }
Json at(const std::string& address) { return Json{{"ipaddress", address}}; }

// Nodes as the keeper reaches them: each holds the name its last set_name gave it. Every
// set_name is checked against the others: two live nodes holding one name is a failure.
class SimulatedNodes : public StepExecutor, public Broadcaster {
 public:
  std::vector<CallReply> call(const CallRequest& request) override {
    std::lock_guard lock(mutex_);
    std::vector<CallReply> out;
    for (const auto& node : request.nodes) {
      if (silent.count(node)) {
        out.push_back(CallReply{node, false, {}, Json::object(), "", false});
        continue;
      }
      if (request.action == "set_name") {
        setName(node, request.args["name"]);
        aliases[node] = request.args.value("aliases", Json::array());
      }
      if (request.action == "update_hosts") hostsVersion[node] = request.args["version"];
      calls.push_back(request.action + " " + node + " " +
                      request.args.value("name", request.args.value("certname", "")));
      out.push_back(CallReply{
          node,
          true,
          {},
          Json{{"name", names[node]}, {"aliases", aliases[node]}, {"version", hostsVersion[node]}},
          "",
          true});
    }
    return out;
  }

  std::size_t broadcast(const CallRequest& request) override {
    std::lock_guard lock(mutex_);
    pushes.push_back(request.args);
    return names.size();
  }

  void setName(const std::string& node, const std::string& name) {
    names[node] = name;
    if (name.empty()) return;
    for (const auto& [other, held] : names) {
      if (other != node && held == name && !silent.count(other))
        clashes.push_back(name + " held by " + other + " and " + node);
    }
  }

  std::string nameOf(const std::string& node) {
    std::lock_guard lock(mutex_);
    return names[node];
  }
  std::size_t pushCount() {
    std::lock_guard lock(mutex_);
    return pushes.size();
  }
  Json lastPush() {
    std::lock_guard lock(mutex_);
    return pushes.empty() ? Json() : pushes.back();
  }

  std::mutex mutex_;
  std::map<std::string, std::string> names;
  std::map<std::string, std::int64_t> hostsVersion;
  std::map<std::string, Json> aliases;
  std::set<std::string> silent;
  std::vector<std::string> calls;
  std::vector<std::string> clashes;
  std::vector<Json> pushes;
};

class NameKeeperTest : public ::testing::Test {
 protected:
  NameKeeperTest() {
    options.domain = "example.internal";
    options.releaseAfter = 60s;
    options.pushInterval = 20ms;
    options.retryAfter = 50ms;
  }

  void open() {
    if (!store) store = std::make_unique<Store>(dir / "state.db");
    keeper = std::make_unique<NameKeeper>(options, *store, nodes, &nodes,
                                          [this] { return clock.load(); });
  }
  void restart() {
    keeper.reset();
    store.reset();
    open();
  }
  // What the flow does: assign, tell the node, report the reply.
  std::string name(const std::string& node, const Json& declaration,
                   const std::string& address = "10.0.0.1") {
    auto given = keeper->assign(node, declaration, at(address));
    EXPECT_EQ(given.error, "") << node;
    CallRequest request{
        "naming", "set_name", {{"name", given.name}, {"aliases", given.aliases}}, {node}, 1s};
    keeper->told(node, nodes.call(request).front().data);
    return given.name;
  }
  // A registration saying which name the node holds and its hosts version.
  void registers(const std::string& node, const std::string& address = "10.0.0.1",
                 std::int64_t hostsVersion = 1000000) {
    Registration r;
    r.identity = node;
    r.facts = at(address);
    r.naming = {{"name", nodes.nameOf(node)}, {"hosts_version", hostsVersion}};
    keeper->observe(r);
  }

  testing::TempDir dir;
  NamingOptions options;
  SimulatedNodes nodes;
  std::atomic<std::int64_t> clock{1000000};
  std::unique_ptr<Store> store;
  std::unique_ptr<NameKeeper> keeper;
};

TEST_F(NameKeeperTest, AnAssignedNameIsOnDiskBeforeTheNodeIsTold) {
  open();
  auto given = keeper->assign("n1", db(), at("10.0.0.5"));
  ASSERT_EQ(given.error, "");
  EXPECT_EQ(given.name, "db-master");
  EXPECT_EQ(given.fqdn, "db-master.example.internal");
  Store reader(dir / "state.db");  // another connection sees only what is committed
  auto holdings = reader.loadHoldings();
  ASSERT_EQ(holdings.size(), 1u);
  EXPECT_EQ(holdings[0].name, "db-master");
  EXPECT_EQ(holdings[0].node, "n1");
  EXPECT_EQ(holdings[0].address, "10.0.0.5");
}

TEST_F(NameKeeperTest, ARestartKeepsEveryNameAndTheNextNodeFillsTheLowestGap) {
  open();
  EXPECT_EQ(name("n1", web()), "web-0");
  EXPECT_EQ(name("n2", web()), "web-1");
  EXPECT_EQ(name("n3", web()), "web-2");
  restart();
  EXPECT_EQ(keeper->nameOf("n2")->name, "web-1");
  EXPECT_EQ(name("n2", web()), "web-1") << "a node keeps its name";
  ASSERT_TRUE(keeper->release("web-1", "alice.admin", false).applied);
  restart();
  EXPECT_EQ(name("n4", web()), "web-1");
  EXPECT_EQ(name("n5", web()), "web-3");
}

TEST_F(NameKeeperTest, FiveHundredNodesArrivingAtOnceGetFiveHundredNames) {
  open();
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::string> given;
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto g = keeper->assign("n" + std::to_string(t * 50 + i), web(), at("10.0.0.1"));
        std::lock_guard lock(mutex);
        EXPECT_EQ(g.error, "");
        EXPECT_TRUE(given.insert(g.name).second) << g.name << " given twice";
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(given.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(given.count("web-" + std::to_string(i))) << i;
  restart();
  EXPECT_EQ(store->loadHoldings().size(), 500u);
}

TEST_F(NameKeeperTest, PromotionSwapsTwoLiveNodesWithoutEverSharingAName) {
  open();
  name("n1", db());
  name("n2", db());
  name("n3", db());
  for (auto n : {"n1", "n2", "n3"}) registers(n);
  keeper->start();
  auto result = keeper->promote("db-slave-1", "alice.admin", false);
  ASSERT_TRUE(result.applied) << result.error;
  ASSERT_TRUE(testing::waitFor(
      [&] { return nodes.nameOf("n2") == "db-master" && nodes.nameOf("n1") == "db-slave-1"; }, 10s))
      << nodes.nameOf("n1") << " " << nodes.nameOf("n2");
  EXPECT_EQ(nodes.nameOf("n3"), "db-slave-2");
  std::lock_guard lock(nodes.mutex_);
  EXPECT_TRUE(nodes.clashes.empty()) << nodes.clashes.front();
}

TEST_F(NameKeeperTest, ADryRunSaysWhatWouldChangeAndChangesNothing) {
  open();
  name("n1", db());
  name("n2", db());
  registers("n1");
  registers("n2");
  auto result = keeper->promote("n2", "alice.admin", true);
  EXPECT_FALSE(result.applied);
  ASSERT_EQ(result.error, "");
  ASSERT_FALSE(result.changes.empty());
  EXPECT_EQ(keeper->nameOf("n1")->name, "db-master");
  EXPECT_EQ(keeper->nameOf("n2")->name, "db-slave-1");
  auto refused = keeper->promote("n1", "alice.admin", false);
  EXPECT_NE(refused.error, "") << "the master cannot be promoted";
}

TEST_F(NameKeeperTest, ANameSilentForReleaseAfterIsReleasedAndFilledAgain) {
  options.releaseAfter = 100ms;
  clock = 0;
  open();
  name("n1", web());
  name("n2", web());
  keeper->start();
  // n2 keeps registering; n1 falls silent. The keeper's courier may look between a
  // step of the clock and n2's registration at that time, so no step is longer than
  // n2 may be silent: only n1 is ever past its silence.
  for (int i = 1; i <= 20; ++i) {
    clock = i * 50;
    registers("n2");  // wakes the courier; from 150 ms on, past n1's silence
  }
  ASSERT_TRUE(testing::waitFor([&] { return !keeper->nameOf("n1"); }, 10s));
  EXPECT_EQ(keeper->nameOf("n2")->name, "web-1");
  EXPECT_EQ(name("n3", web()), "web-0");
  auto shown = keeper->show("web-0", 10);
  ASSERT_TRUE(shown);
  bool released = false;
  for (const auto& row : (*shown)["history"])
    released = released || (row["kind"] == "released" && row["by"] == "silence");
  EXPECT_TRUE(released) << shown->dump();
}

TEST_F(NameKeeperTest, EveryChangeIsPushedToAllNodesWithItsNamesAndAddresses) {
  open();
  keeper->start();
  name("n1", db(), "10.0.0.1");
  name("n2", db(), "10.0.0.2");
  ASSERT_TRUE(testing::waitFor(
      [&] {
        Json push = nodes.lastPush();
        return push.is_object() && push["entries"].size() == 2;
      },
      10s));
  Json push = nodes.lastPush();
  EXPECT_EQ(push["entries"][0]["address"], "10.0.0.1");
  EXPECT_EQ(push["entries"][0]["names"][0], "db-master.example.internal");
  EXPECT_EQ(push["entries"][0]["names"][1], "db-master");
  EXPECT_EQ(push["entries"][1]["names"][1], "db-slave-1");
  EXPECT_EQ(push["version"], keeper->hostsVersion());
}

TEST_F(NameKeeperTest, ANodeBehindOnHostsGetsThemDirectly) {
  open();
  name("n1", web());
  keeper->start();
  ASSERT_TRUE(testing::waitFor([&] { return nodes.pushCount() >= 1; }, 10s));
  // Right after the push, a heartbeat with the old version may have crossed it.
  registers("n2", "10.0.0.2", 0);
  registers("n1", "10.0.0.1", 1000000);  // wakes the courier once more
  {
    std::lock_guard lock(nodes.mutex_);
    EXPECT_EQ(nodes.hostsVersion.count("n2"), 0u) << "sent directly right after a push";
  }
  clock += 5000;
  registers("n2", "10.0.0.2", 0);  // still behind, well after the push
  ASSERT_TRUE(testing::waitFor(
      [&] {
        std::lock_guard lock(nodes.mutex_);
        return nodes.hostsVersion["n2"] == keeper->hostsVersion();
      },
      10s));
}

TEST_F(NameKeeperTest, ANodeComingBackAfterItsNameWasTakenIsNamedAgain) {
  options.releaseAfter = 100ms;
  clock = 0;
  open();
  name("n1", web());
  keeper->start();
  clock = 1000;  // n1 has been away since
  ASSERT_TRUE(keeper->release("web-0", "alice.admin", false).applied);
  EXPECT_EQ(name("n2", web()), "web-0");
  registers("n2");
  registers("n1");  // still says web-0
  ASSERT_TRUE(testing::waitFor([&] { return nodes.nameOf("n1") == "web-1"; }, 10s))
      << nodes.nameOf("n1");
  EXPECT_EQ(keeper->nameOf("n1")->name, "web-1");
  EXPECT_EQ(nodes.nameOf("n2"), "web-0");
}

TEST_F(NameKeeperTest, ALiveNodeWhoseNameIsReleasedDropsIt) {
  open();
  name("n1", web());
  registers("n1");
  keeper->start();
  ASSERT_TRUE(keeper->release("web-0", "alice.admin", false).applied);
  ASSERT_TRUE(testing::waitFor([&] { return nodes.nameOf("n1").empty(); }, 10s));
  registers("n1");  // now reporting no name: it stays unnamed until its flow runs
  EXPECT_FALSE(keeper->nameOf("n1"));
}

TEST_F(NameKeeperTest, AnAliasTakenByAnotherNodeIsRemovedFromTheOldOne) {
  open();
  Json mongo = db();
  mongo["aliases"] = {"mongo"};
  name("n1", mongo);
  {
    std::lock_guard lock(nodes.mutex_);
    ASSERT_EQ(nodes.aliases["n1"], Json({"mongo"}));
  }
  registers("n1");
  keeper->start();
  name("n2", mongo);  // declares the same alias: it moves to n2
  ASSERT_TRUE(testing::waitFor(
      [&] {
        std::lock_guard lock(nodes.mutex_);
        return nodes.aliases["n1"] == Json::array();
      },
      10s));
  EXPECT_EQ(keeper->nameOf("n2")->aliases, std::vector<std::string>{"mongo"});
  EXPECT_TRUE(keeper->nameOf("n1")->aliases.empty());
  auto shown = keeper->show("mongo", 10);
  ASSERT_TRUE(shown);
  bool moved = false;
  for (const auto& row : (*shown)["history"]) moved = moved || row["kind"] == "alias_moved";
  EXPECT_TRUE(moved) << shown->dump();
}

TEST_F(NameKeeperTest, ABadDeclarationIsAnErrorNamingTheNode) {
  open();
  auto given = keeper->assign("n1", Json{{"service", "Web"}}, at("10.0.0.1"));
  EXPECT_NE(given.error.find("n1"), std::string::npos) << given.error;
  EXPECT_EQ(given.name, "");
}

class NullSink : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event&) noexcept override {}
};

const char* kNamingFlow = R"(name: named
claim: {timeout: 1s, retries: 1, backoff: {initial: 10ms, max: 20ms}}
steps:
  - name: assign_name
    assign_name: true
    backoff: {initial: 10ms, max: 20ms}
  - name: request_certificate
    agent: provision
    action: request_certificate
    args: {certname: "{{node.fqdn || node.identity}}"}
    timeout: 1s
  - name: notify
    notify: provisioned
)";

TEST_F(NameKeeperTest, TheFlowNamesANodeBeforeItsCertificateAndUsesTheFqdnAsCertname) {
  open();
  NullSink sink;
  Metrics metrics;
  Engine engine(parseFlow(kNamingFlow, "named.yaml"), EngineOptions{}, *store, nodes, sink, metrics,
                nullptr, keeper.get());
  engine.start();
  Registration r{"i-0abc",
                 {"provision", "naming"},
                 at("10.0.0.9"),
                 1,
                 "enforcing",
                 true,
                 Json{{"service", "db"}, {"type", "masterful"}, {"name", ""}}};
  engine.observe(r);
  Registration plain{"i-0def", {"provision", "naming"}, at("10.0.0.8"), 1, "enforcing",
                     true,     Json{{"name", ""}}};
  engine.observe(plain);
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return engine.stateOf("i-0abc") == NodeState::Provisioned &&
               engine.stateOf("i-0def") == NodeState::Provisioned;
      },
      10s));
  engine.stop(1s);
  std::lock_guard lock(nodes.mutex_);
  ASSERT_GE(nodes.calls.size(), 1u);
  auto named = std::find(nodes.calls.begin(), nodes.calls.end(), "set_name i-0abc db-master");
  ASSERT_NE(named, nodes.calls.end()) << ::testing::PrintToString(nodes.calls);
  auto has = [&](const std::string& call) {
    return std::find(nodes.calls.begin(), nodes.calls.end(), call) != nodes.calls.end();
  };
  EXPECT_TRUE(has("request_certificate i-0abc db-master.example.internal"))
      << ::testing::PrintToString(nodes.calls);
  EXPECT_TRUE(has("request_certificate i-0def i-0def"));
  EXPECT_EQ(nodes.names["i-0def"], "") << "a node declaring no service keeps its identity";
}

}  // namespace
}  // namespace drover::provisioner
