// The provisioning state machine against a fake executor: no sockets, real SQLite.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "provisioner/engine.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

const char* kFlow = R"(name: test
redo_limit: 2
claim: {timeout: 1s, retries: 2, backoff: {initial: 10ms, max: 20ms}}
already_provisioned: {agent: provision, action: status, when: {completed_steps: production}}
steps:
  - name: pick_master
    pick_master: true
  - name: hosts
    agent: provision
    action: set_puppet_server
    args: {name: "{{master.identity}}", address: "{{master.facts.ipaddress || master.identity}}"}
    timeout: 1s
    retries: 2
    backoff: {initial: 10ms, max: 20ms}
  - name: clean
    agent: puppetca
    action: clean
    target: all_masters
    args: {certname: "{{node.identity}}"}
    timeout: 1s
    backoff: {initial: 10ms, max: 20ms}
  - name: sign
    agent: puppetca
    action: sign
    target: master
    args: {certname: "{{node.identity}}"}
    timeout: 1s
    retries: 2
    backoff: {initial: 10ms, max: 20ms}
    outcomes:
      - {when: {already_signed: true}, result: done}
    verify: {agent: puppetca, action: status, target: master, args: {certname: "{{node.identity}}"},
             when: {state: signed}}
  - name: run
    agent: provision
    action: run_puppet
    args: {environment: production, server: "{{master.identity}}"}
    timeout: 1s
    retries: 1
    backoff: {initial: 10ms, max: 20ms}
    outcomes:
      - {when: {outcome: wrong_environment}, result: fail}
      - {when: {outcome: certificate_mismatch}, result: redo, from: clean}
  - name: notify
    notify: provisioned
)";

CallReply ok(const std::string& node, Json data = Json::object()) {
  return CallReply{node, true, {}, std::move(data), "", true};
}

CallReply failed(const std::string& node, const std::string& message, Json data = Json::object()) {
  return CallReply{node, true, {envelope::StatusCode::Aborted, message}, std::move(data), "", true};
}

CallReply silent(const std::string& node) {
  return CallReply{node, false, {}, Json::object(), "", false};
}

// Answers like healthy agents unless a test installs its own handler, and counts calls.
class FakeExecutor : public StepExecutor {
 public:
  using Handler = std::function<std::optional<CallReply>(const CallRequest&, const std::string&)>;

  std::vector<CallReply> call(const CallRequest& request) override {
    std::string key = request.agent + "#" + request.action;
    {
      std::lock_guard lock(mutex_);
      int now = ++running_[request.nodes.front()];
      for (const auto& node : request.nodes) ++counts_[key + "@" + node];
      calls_.push_back(key + " " + request.args.dump());
      maxRunning_ = std::max(maxRunning_, now);
      if (request.action == "sign")
        maxSigning_[request.nodes.front()] =
            std::max(maxSigning_[request.nodes.front()], ++signing_[request.nodes.front()]);
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::vector<CallReply> out;
    for (const auto& node : request.nodes) {
      std::optional<CallReply> reply = handler ? handler(request, node) : std::nullopt;
      out.push_back(reply ? *reply : defaultReply(request, node));
    }
    std::lock_guard lock(mutex_);
    --running_[request.nodes.front()];
    if (request.action == "sign") --signing_[request.nodes.front()];
    return out;
  }

  static CallReply defaultReply(const CallRequest& request, const std::string& node) {
    if (request.action == "claim") return ok(node, {{"granted", true}});
    if (request.action == "status" && request.agent == "provision")
      return ok(node, {{"completed_steps", Json::array()}});
    if (request.action == "status") return ok(node, {{"state", "missing"}});
    return ok(node);
  }

  int count(const std::string& agentAction, const std::string& node) {
    std::lock_guard lock(mutex_);
    return counts_[agentAction + "@" + node];
  }
  int maxSigning(const std::string& master) {
    std::lock_guard lock(mutex_);
    return maxSigning_[master];
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  Handler handler;
  std::chrono::milliseconds delay{0};

 private:
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::map<std::string, int> running_;
  std::map<std::string, int> signing_;
  std::map<std::string, int> maxSigning_;
  std::vector<std::string> calls_;
  int maxRunning_ = 0;
};

class RecordingNotifier : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event& event) noexcept override {
    std::lock_guard lock(mutex_);
    events.push_back(std::string(notifiers::kindName(event.kind)) + " " + event.node + " " +
                     event.master);
  }
  int count(const std::string& prefix) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const std::string& e) {
      return e.rfind(prefix, 0) == 0;
    }));
  }
  std::mutex mutex_;
  std::vector<std::string> events;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() {
    options.owner = "p1";
    options.concurrency = 8;
    options.perMasterConcurrency = 4;
  }

  void startEngine(const char* flowText = kFlow) {
    if (!store) store = std::make_unique<Store>(dir / "state.db");
    std::vector<Flow> flows{parseFlow(flowText, "test.yaml")};
    for (const auto& text : moreFlows) flows.push_back(parseFlow(text, "more.yaml"));
    engine =
        std::make_unique<Engine>(std::move(flows), options, *store, executor, notifier, metrics);
    engine->start();
  }

  void restartEngine() {
    engine->stop(5s);
    engine.reset();
    store.reset();
    startEngine();
  }

  void master(const std::string& id, const std::string& region) {
    engine->observe({id, {"puppetca", "rpcutil"}, {{"region", region}}, 1, "enforcing", true});
  }
  void node(const std::string& id, const std::string& region, std::int64_t started = 1) {
    engine->observe(
        {id, {"provision", "rpcutil"}, {{"region", region}}, started, "enforcing", true});
  }
  bool waitState(const std::string& id, NodeState state, std::chrono::milliseconds timeout = 10s) {
    return testing::waitFor([&] { return engine->stateOf(id) == state; }, timeout);
  }
  // One node "n" in eu with one master "pm" there, until it reaches `state`.
  bool runOneNode(NodeState state) {
    startEngine();
    master("pm", "eu");
    node("n", "eu");
    return waitState("n", state);
  }
  bool waitAll(NodeState state, int n, std::chrono::milliseconds timeout = 20s) {
    return testing::waitFor(
        [&] {
          NodeCounts c = engine->counts();
          return (state == NodeState::Provisioned ? c.provisioned : c.failed) == n;
        },
        timeout);
  }
  std::string masterOf(const std::string& id) { return engine->node(id)->at("master"); }
  std::vector<std::string> outcomes(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& row : store->history(id, 1000)) out.push_back(row.step + ":" + row.outcome);
    return out;
  }

  testing::TempDir dir;
  EngineOptions options;
  std::vector<std::string> moreFlows;  // loaded after the default flow
  FakeExecutor executor;
  RecordingNotifier notifier;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

TEST_F(EngineTest, ProvisionsEveryNodeOnceWithItsRegionalMaster) {
  startEngine();
  master("pm-eu", "eu");
  master("pm-us", "us");
  for (int i = 0; i < 20; ++i) node("n" + std::to_string(i), i % 2 ? "eu" : "us");
  ASSERT_TRUE(waitAll(NodeState::Provisioned, 20));
  for (int i = 0; i < 20; ++i) {
    std::string id = "n" + std::to_string(i);
    EXPECT_EQ(masterOf(id), i % 2 ? "pm-eu" : "pm-us");
    EXPECT_EQ(executor.count("provision#set_puppet_server", id), 1) << id;
    EXPECT_EQ(executor.count("provision#run_puppet", id), 1) << id;
    EXPECT_EQ(executor.count("provision#release", id), 1) << id;
  }
  EXPECT_EQ(executor.count("puppetca#clean", "pm-eu"), 20);  // clean runs on every master
  EXPECT_EQ(executor.count("puppetca#sign", "pm-eu"), 10);
  EXPECT_EQ(notifier.count("provisioned"), 20);
  EXPECT_EQ(outcomes("n1"),
            (std::vector<std::string>{"claim:granted", "already_provisioned:not_provisioned",
                                      "pick_master:done", "hosts:done", "clean:done", "sign:done",
                                      "run:done", "notify:done", "release:done"}));
  // A later heartbeat of a provisioned node starts nothing. observe() decides at once;
  // a node seen after it is through only once any call for n1 would have been made.
  node("n1", "eu");
  EXPECT_EQ(engine->stateOf("n1"), NodeState::Provisioned);
  node("n20", "eu");
  ASSERT_TRUE(waitState("n20", NodeState::Provisioned));
  EXPECT_EQ(executor.count("provision#claim", "n1"), 1);
}

TEST_F(EngineTest, ANodeWaitsWhileThereIsNoMaster) {
  startEngine();
  node("lonely", "eu");  // observe() queues it and tries to admit it at once
  EXPECT_EQ(engine->stateOf("lonely"), NodeState::Waiting);
  EXPECT_EQ(engine->node("lonely")->at("waiting_for"), "no healthy master");
  EXPECT_EQ(executor.count("provision#claim", "lonely"), 0);
  master("pm-late", "us");  // no fact in common: the fallback takes it
  ASSERT_TRUE(waitState("lonely", NodeState::Provisioned));
  EXPECT_EQ(masterOf("lonely"), "pm-late");
}

TEST_F(EngineTest, AFailingStepIsRetriedWithBackoff) {
  std::atomic<int> attempts{0};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "set_puppet_server" && ++attempts <= 2) return failed(n, "disk full");
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Provisioned));
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 3);
  EXPECT_EQ(notifier.count("retried n"), 2);
  auto history = outcomes("n");
  EXPECT_EQ(std::count(history.begin(), history.end(), "hosts:retry"), 2);
}

TEST_F(EngineTest, RetriesExhaustedFailReleaseAndRetryResumesThere) {
  std::atomic<bool> broken{true};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "run_puppet" && broken) return failed(n, "puppet failed");
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Failed));
  EXPECT_EQ(executor.count("provision#run_puppet", "n"), 2);  // retries: 1
  EXPECT_EQ(executor.count("provision#release", "n"), 1);     // never left locked
  EXPECT_EQ(notifier.count("failed n"), 1);
  EXPECT_NE(engine->node("n")->at("last_error").get<std::string>().find("puppet failed"),
            std::string::npos);
  broken = false;
  EXPECT_EQ(engine->retry("n", "admin"), "");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
  EXPECT_EQ(executor.count("puppetca#sign", "pm"), 1);  // resumed at the failed step
  EXPECT_EQ(executor.count("provision#run_puppet", "n"), 3);
  EXPECT_NE(engine->retry("n", "admin"), "");
}

TEST_F(EngineTest, AWrongEnvironmentFailsAtOnce) {
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "run_puppet")
      return failed(n, "ran in production", {{"outcome", "wrong_environment"}});
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Failed));
  EXPECT_EQ(executor.count("provision#run_puppet", "n"), 1);
}

// A run refused for a certificate made for another key is cured by cleaning and signing
// again, not by running Puppet again.
TEST_F(EngineTest, ARedoGoesBackToItsStepAndOnFromThere) {
  std::atomic<int> runs{0};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "run_puppet" && ++runs == 1) {
      return failed(n, "key mismatch", {{"outcome", "certificate_mismatch"}});
    }
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Provisioned));
  EXPECT_EQ(executor.count("puppetca#clean", "pm"), 2);
  EXPECT_EQ(executor.count("puppetca#sign", "pm"), 2);
  EXPECT_EQ(executor.count("provision#run_puppet", "n"), 2);
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 1);  // before `clean`: not redone
  auto history = outcomes("n");
  EXPECT_EQ(std::count(history.begin(), history.end(), "run:redo"), 1);
  EXPECT_EQ(notifier.count("retried n"), 1);
}

TEST_F(EngineTest, RedosBeyondTheLimitFailTheNode) {
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "run_puppet")
      return failed(n, "key mismatch", {{"outcome", "certificate_mismatch"}});
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Failed));
  EXPECT_EQ(executor.count("provision#run_puppet", "n"), 3);  // redo_limit: 2
  EXPECT_EQ(executor.count("provision#release", "n"), 1);
  EXPECT_NE(engine->node("n")->at("last_error").get<std::string>().find("redo_limit"),
            std::string::npos);
}

// puppetca answering "cannot reach the CA" is a master down, though its droverd answered.
TEST_F(EngineTest, AMasterWhosePuppetserverIsDownIsReplaced) {
  options.masterFailures = 1;
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (n == "pm-eu" && r.action == "sign") {
      return failed(n, "cannot reach the CA (is puppetserver running?)", {{"ca_reachable", false}});
    }
    return std::nullopt;
  };
  startEngine();
  master("pm-eu", "eu");
  master("pm-us", "us");
  node("n", "eu");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
  EXPECT_EQ(masterOf("n"), "pm-us");
  auto history = outcomes("n");
  EXPECT_NE(std::find(history.begin(), history.end(), "sign:master_lost"), history.end());
}

TEST_F(EngineTest, ANodeClaimedElsewhereIsSkippedAndRechecked) {
  options.recheckInterval = 100ms;
  std::atomic<bool> taken{true};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "claim" && taken)
      return failed(n, "claimed by p2", {{"granted", false}, {"owner", "p2"}});
    return std::nullopt;
  };
  startEngine();
  master("pm", "eu");
  node("n", "eu");
  ASSERT_TRUE(waitState("n", NodeState::ClaimedElsewhere));
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 0);
  EXPECT_EQ(executor.count("provision#release", "n"), 0);
  ASSERT_TRUE(testing::waitFor([&] { return executor.count("provision#claim", "n") >= 2; }, 5s));
  taken = false;
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
}

TEST_F(EngineTest, ANodeProvisionedElsewhereIsNotProvisionedAgain) {
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.agent == "provision" && r.action == "status")
      return ok(n, {{"completed_steps", {"hosts", "production"}}});
    return std::nullopt;
  };
  ASSERT_TRUE(runOneNode(NodeState::Provisioned));
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 0);
  EXPECT_EQ(executor.count("provision#release", "n"), 1);
  EXPECT_EQ(notifier.count("provisioned"), 0);
}

TEST_F(EngineTest, ABurstQueuesWithinOverallAndPerMasterLimits) {
  options.concurrency = 6;
  options.perMasterConcurrency = 2;
  executor.delay = 20ms;
  startEngine();
  master("pm-a", "eu");
  master("pm-b", "eu");
  for (int i = 0; i < 30; ++i) node("n" + std::to_string(i), "eu");
  int maxInFlight = 0;
  testing::waitFor(
      [&] {
        maxInFlight = std::max<int>(maxInFlight, static_cast<int>(engine->counts().inFlight));
        return engine->counts().provisioned == 30;
      },
      30s);
  ASSERT_EQ(engine->counts().provisioned, 30);
  EXPECT_LE(maxInFlight, 4);  // two masters, two each
  auto m = engine->masters();
  for (const auto& entry : m) EXPECT_EQ(entry["in_flight"], 0);
}

TEST_F(EngineTest, AMasterThatStopsAnsweringIsReplaced) {
  options.masterFailures = 1;
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (n == "pm-eu" && r.action == "sign") return silent(n);
    return std::nullopt;
  };
  startEngine();
  master("pm-eu", "eu");
  master("pm-us", "us");
  node("n", "eu");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
  EXPECT_EQ(masterOf("n"), "pm-us");
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 2);  // pointed at the new master
  auto history = outcomes("n");
  EXPECT_NE(std::find(history.begin(), history.end(), "sign:master_lost"), history.end());
}

TEST_F(EngineTest, HoldStopsANodeAndReleasesItsClaim) {
  std::atomic<bool> broken{true};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "run_puppet" && broken) return failed(n, "not yet");
    return std::nullopt;
  };
  // Long backoffs: the hold must not wait for one to end.
  std::string flow =
      std::string(kFlow).replace(std::string(kFlow).find("retries: 1\n"), 10, "retries: 1000");
  flow.replace(flow.rfind("backoff: {initial: 10ms, max: 20ms}"), 35,
               "backoff: {initial: 60s, max: 60s}");
  startEngine(flow.c_str());
  master("pm", "eu");
  node("n", "eu");
  ASSERT_TRUE(
      testing::waitFor([&] { return executor.count("provision#run_puppet", "n") >= 1; }, 5s));
  EXPECT_EQ(engine->hold("n", "admin"), "");
  ASSERT_TRUE(waitState("n", NodeState::Held, 3s));
  EXPECT_EQ(executor.count("provision#release", "n"), 1);
  EXPECT_NE(engine->hold("n", "admin"), "");
  broken = false;
  EXPECT_EQ(engine->retry("n", "admin"), "");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
}

// State as a provisioner killed during node `id`'s sign call leaves it: intent on disk.
NodeRecord interruptedAtSign(Store& store, const std::string& id, std::int64_t attemptId) {
  NodeRecord rec;
  rec.identity = id;
  rec.state = NodeState::Running;
  rec.step = 3;
  rec.stepName = "sign";
  rec.master = "pm";
  rec.claimed = true;
  rec.checked = true;
  rec.facts = {{"region", "eu"}};
  rec.intent = Intent{"sign", 1, attemptId, 1000};
  rec.firstSeenMs = rec.startedMs = 1000;
  store.putNode(rec, true);
  store.putAttempt({attemptId, id, "sign", 1, "pm", 1000, 0, "", "", Json::object()});
  return rec;
}

// A verify probe that errs (the CA down for a moment) proves nothing: it is asked
// again, and the call is not made again on the strength of an error.
TEST_F(EngineTest, AVerifyProbeThatErrsIsAskedAgain) {
  store = std::make_unique<Store>(dir / "state.db");
  interruptedAtSign(*store, "n", 7);
  store->sync();
  std::atomic<int> asked{0};
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "status" && r.agent == "puppetca") {
      if (++asked == 1) return failed(n, "cannot reach the CA", {{"ca_reachable", false}});
      return ok(n, {{"state", "signed"}});
    }
    return std::nullopt;
  };
  startEngine();
  master("pm", "eu");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
  EXPECT_EQ(executor.count("puppetca#sign", "pm"), 0);
  EXPECT_EQ(asked.load(), 2);
  auto history = outcomes("n");
  EXPECT_NE(std::find(history.begin(), history.end(), "sign.verify:retry"), history.end());
  EXPECT_NE(std::find(history.begin(), history.end(), "sign.verify:verified"), history.end());
}

TEST_F(EngineTest, ResumesAfterACrashWithoutSigningTwice) {
  store = std::make_unique<Store>(dir / "state.db");
  NodeRecord rec = interruptedAtSign(*store, "n", 7);
  NodeRecord other = rec;  // interrupted before its sign went out
  other.identity = "m";
  other.intent = Intent{"sign", 1, 8, 1000};
  store->putNode(other, true);
  store->sync();
  executor.handler = [&](const CallRequest& r, const std::string& n) -> std::optional<CallReply> {
    if (r.action == "status" && r.agent == "puppetca") {
      return ok(n, {{"state", r.args["certname"] == "n" ? "signed" : "requested"}});
    }
    return std::nullopt;
  };
  startEngine();
  master("pm", "eu");
  ASSERT_TRUE(waitState("n", NodeState::Provisioned));
  ASSERT_TRUE(waitState("m", NodeState::Provisioned));
  for (const auto& call : executor.calls()) {
    EXPECT_NE(call, "puppetca#sign {\"certname\":\"n\"}") << "n was signed again";
  }
  EXPECT_EQ(executor.count("puppetca#status", "pm"), 2);  // verified both before signing
  EXPECT_EQ(executor.count("provision#claim", "n"), 1);   // claimed again after the restart
  auto history = outcomes("n");
  EXPECT_EQ(history.front(), "sign:interrupted");
  EXPECT_NE(std::find(history.begin(), history.end(), "sign.verify:verified"), history.end());
  auto m = outcomes("m");
  EXPECT_NE(std::find(m.begin(), m.end(), "sign.verify:not_done"), m.end());
  EXPECT_NE(std::find(m.begin(), m.end(), "sign:done"), m.end());
}

TEST_F(EngineTest, StateSurvivesARestart) {
  startEngine();
  master("pm", "eu");
  node("done", "eu");
  ASSERT_TRUE(waitState("done", NodeState::Provisioned));
  restartEngine();
  master("pm", "eu");
  node("done", "eu");  // same daemon start time: a heartbeat
  node("new", "eu");
  ASSERT_TRUE(waitState("new", NodeState::Provisioned));
  EXPECT_EQ(executor.count("provision#claim", "done"), 1);
  EXPECT_EQ(engine->stateOf("done"), NodeState::Provisioned);
}

TEST_F(EngineTest, ARebuiltHostReusingTheNameIsProvisionedAgain) {
  startEngine();
  master("pm", "eu");
  node("web", "eu", 100);
  ASSERT_TRUE(waitState("web", NodeState::Provisioned));
  node("web", "eu", 200);  // a new daemon: probe says it has done nothing yet
  ASSERT_TRUE(testing::waitFor(
      [&] { return executor.count("provision#set_puppet_server", "web") == 2; }, 10s));
  ASSERT_TRUE(waitState("web", NodeState::Provisioned));
  EXPECT_EQ(executor.count("puppetca#clean", "pm"), 2);
}

TEST_F(EngineTest, MissingFactsRetryThenFailWithTheExpression) {
  const std::string flow = std::string(kFlow).replace(
      std::string(kFlow).find("{{master.facts.ipaddress || master.identity}}"), 45,
      "{{master.facts.ipaddress}}");
  startEngine(flow.c_str());
  master("pm", "eu");
  node("n", "eu");
  ASSERT_TRUE(waitState("n", NodeState::Failed));
  EXPECT_EQ(executor.count("provision#set_puppet_server", "n"), 0);
  EXPECT_NE(engine->node("n")
                ->at("last_error")
                .get<std::string>()
                .find("{{master.facts.ipaddress}} is not set"),
            std::string::npos)
      << engine->node("n")->dump();
}

// A flow without a master, for nodes a deployment's pool sends through it.
const char* kSoloFlow = R"(name: solo
claim: {timeout: 1s, retries: 2, backoff: {initial: 10ms, max: 20ms}}
already_provisioned: {agent: provision, action: status, when: {completed_steps: production}}
steps:
  - name: apply
    agent: provision
    action: apply
    args: {environment: production}
    timeout: 1s
  - name: notify
    notify: provisioned
)";

// Nodes assigned another flow go through it, beside nodes of the default flow; the choice
// survives a restart, and a node reassigned starts afresh under its new flow at its next
// boot. One history: the flows' attempts never share a row id.
TEST_F(EngineTest, ANodeGoesThroughTheFlowItWasAssigned) {
  moreFlows = {kSoloFlow};
  startEngine();
  EXPECT_EQ(engine->status()["flows"], Json({"test", "solo"}));
  EXPECT_EQ(engine->assignFlow("s1", "solo"), "");
  EXPECT_EQ(engine->assignFlow("n1", "test"), "");  // the default, said by its name
  EXPECT_EQ(engine->assignFlow("x", "nope"),
            "no flow 'nope' is loaded on this provisioner (it has test, solo; "
            "deployments.flow_files adds flows)");
  master("pm", "eu");
  node("s1", "eu");
  node("n1", "eu");
  ASSERT_TRUE(waitAll(NodeState::Provisioned, 2));
  EXPECT_EQ(executor.count("provision#apply", "s1"), 1);
  EXPECT_EQ(executor.count("provision#set_puppet_server", "s1"), 0);
  EXPECT_EQ(executor.count("puppetca#sign", "pm"), 1);  // n1's only
  EXPECT_EQ(executor.count("provision#apply", "n1"), 0);
  EXPECT_EQ(engine->node("s1")->at("flow"), "solo");
  EXPECT_FALSE(engine->node("n1")->contains("flow"));
  EXPECT_EQ(outcomes("s1"),
            (std::vector<std::string>{"claim:granted", "already_provisioned:not_provisioned",
                                      "apply:done", "notify:done", "release:done"}));
  std::set<std::int64_t> ids;
  std::size_t rows = 0;
  for (const char* id : {"s1", "n1"}) {
    for (const auto& row : store->history(id, 1000)) {
      ids.insert(row.id);
      ++rows;
    }
  }
  EXPECT_EQ(ids.size(), rows);

  restartEngine();
  EXPECT_EQ(engine->node("s1")->at("flow"), "solo");
  EXPECT_EQ(engine->stateOf("s1"), NodeState::Provisioned);
  // Its slot reused by a member of a pool that now names the default flow: the new
  // daemon's first registration starts the default flow.
  EXPECT_EQ(engine->assignFlow("s1", "test"), "");
  master("pm", "eu");
  node("s1", "eu", 2);
  ASSERT_TRUE(waitState("s1", NodeState::Provisioned));
  ASSERT_TRUE(testing::waitFor([&] { return executor.count("puppetca#sign", "pm") == 2; }, 10s));
  EXPECT_FALSE(engine->node("s1")->contains("flow"));
  EXPECT_EQ(executor.count("provision#apply", "s1"), 1);
}

// A node gone for good (a deployment stopped its member) leaves the engine and the
// store: at once when it is through, after its call under way when it is in flight (held
// first, so it starts nothing more). Its history stays; the identity back is a new node.
TEST_F(EngineTest, AForgottenNodeIsDroppedOnceOutOfFlight) {
  startEngine();
  master("pm", "eu");
  node("done", "eu");
  ASSERT_TRUE(waitState("done", NodeState::Provisioned));
  engine->forget("done", "deployment shop");
  EXPECT_FALSE(engine->node("done"));
  EXPECT_FALSE(store->history("done", 1000).empty());

  std::atomic<bool> release{false};
  executor.handler = [&](const CallRequest& request,
                         const std::string& node) -> std::optional<CallReply> {
    if (request.action == "run_puppet") {
      while (!release) std::this_thread::sleep_for(5ms);
    }
    return std::nullopt;
  };
  node("busy", "eu");
  ASSERT_TRUE(
      testing::waitFor([&] { return executor.count("provision#run_puppet", "busy") == 1; }, 10s));
  engine->forget("busy", "deployment shop");
  EXPECT_TRUE(engine->node("busy"));  // its call is under way
  release = true;
  ASSERT_TRUE(testing::waitFor([&] { return !engine->node("busy"); }, 10s));
  EXPECT_EQ(executor.count("provision#release", "busy"), 1);  // its claim let go
  EXPECT_EQ(engine->counts().held + engine->counts().inFlight, 0);
  restartEngine();
  EXPECT_FALSE(engine->node("done"));
  EXPECT_FALSE(engine->node("busy"));
  master("pm", "eu");
  node("done", "eu", 2);  // the identity again: a node like any other
  ASSERT_TRUE(waitState("done", NodeState::Provisioned));
  EXPECT_EQ(executor.count("provision#run_puppet", "done"), 2);
}

}  // namespace
}  // namespace drover::provisioner
