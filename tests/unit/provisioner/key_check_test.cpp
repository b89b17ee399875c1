// The shipped classic flow restarted at each step between a node's certificate request
// and its signing, against a fake node and master that keep keys: whatever the
// provisioner remembers, the key the node holds at the moment decides. A request for
// another key is cleaned and asked again, never signed, and no Puppet run meets a
// certificate made for a key the node does not hold.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "provisioner/engine.hpp"
#include "testing/process.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

// Step indexes of etc/flows/classic.yaml.
constexpr std::size_t kRequestStep = 3;
constexpr std::size_t kSignStep = 4;

CallReply ok(const std::string& node, Json data) {
  return CallReply{node, true, {}, std::move(data), "", true};
}

CallReply refused(const std::string& node, const std::string& message, Json data) {
  return CallReply{node, true, {envelope::StatusCode::Aborted, message}, std::move(data), "", true};
}

// One node "n" and its master "pm", as far as keys go. Keys are names ("K1", ...);
// the node's ssldir serves calls in order, so calls a killed provisioner left queued
// there (`queued`) run before anything asked later. Thread safe.
class KeyWorld : public StepExecutor {
 public:
  std::vector<CallReply> call(const CallRequest& request) override {
    std::lock_guard lock(mutex_);
    calls.push_back(request.agent + "#" + request.action + " " + request.args.dump());
    std::vector<CallReply> out;
    for (const auto& target : request.nodes) out.push_back(answer(request, target));
    return out;
  }

  // What the master's CA and the node hold now.
  struct Ca {
    std::string state = "missing";  // requested, signed or missing
    std::string key;                // of the request or certificate
  };
  Ca ca;
  std::string nodeKey;
  std::deque<std::function<void()>> queued;  // calls still waiting on the node
  std::vector<std::string> signedKeys;       // every signature the CA ever made
  int failedRuns = 0;                        // Puppet runs refused for another key
  int nodeKeys = 0;
  std::vector<std::string> calls;

  // A request_certificate with reset_ssl, as the node runs it.
  Json requestCertificate() {
    nodeKey = "K" + std::to_string(++nodeKeys);
    if (ca.state == "missing") {
      ca = {"requested", nodeKey};
      return {{"outcome", "submitted"}, {"key_fingerprint", nodeKey}};
    }
    return {{"outcome", ca.state == "requested" ? "stale_request" : "certificate_mismatch"},
            {"key_fingerprint", nodeKey}};
  }

  int signatures(const std::string& key) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(signedKeys.begin(), signedKeys.end(), key));
  }
  int count(const std::string& prefix) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(
        calls.begin(), calls.end(), [&](const std::string& c) { return c.rfind(prefix, 0) == 0; }));
  }

 private:
  CallReply answer(const CallRequest& r, const std::string& target) {
    const std::string action = r.agent + "#" + r.action;
    if (r.agent == "provision" && r.action != "claim" && r.action != "release") runQueued();
    if (action == "provision#claim") return ok(target, {{"granted", true}});
    if (action == "provision#status") return ok(target, {{"completed_steps", Json::array()}});
    if (action == "provision#request_certificate") return nodeReply(target, requestCertificate());
    if (action == "provision#certificate_status") {
      return ok(target, {{"has_key", !nodeKey.empty()}, {"key_fingerprint", nodeKey}});
    }
    if (action == "provision#run_puppet") return run(target);
    if (action == "puppetca#clean") {
      ca = {};
      return ok(target, {{"cleaned", true}});
    }
    if (action == "puppetca#status") return status(r, target);
    if (action == "puppetca#sign") return sign(r, target);
    return ok(target, Json::object());
  }

  void runQueued() {
    while (!queued.empty()) {
      queued.front()();
      queued.pop_front();
    }
  }

  static CallReply nodeReply(const std::string& target, Json data) {
    std::string outcome = data["outcome"];
    if (outcome == "submitted") return ok(target, std::move(data));
    return refused(target, "certificate request " + outcome, std::move(data));
  }

  CallReply run(const std::string& target) {
    if (ca.state == "signed" && ca.key == nodeKey) return ok(target, {{"outcome", "changes"}});
    ++failedRuns;
    return refused(target, "certificate does not match its private key",
                   {{"outcome", "certificate_mismatch"}});
  }

  CallReply status(const CallRequest& r, const std::string& target) {
    Json data{{"state", ca.state}, {"key_fingerprint", ca.key}, {"key_matches", false}};
    if (r.args.contains("key_fingerprint")) {
      data["key_matches"] = !ca.key.empty() && ca.key == r.args["key_fingerprint"];
    }
    return ok(target, data);
  }

  // As puppetca#sign checks it on the master (agents/puppetca/puppetca_agent.cpp).
  CallReply sign(const CallRequest& r, const std::string& target) {
    if (ca.state == "missing") return refused(target, "no certificate request", Json::object());
    if (r.args.contains("key_fingerprint") && r.args["key_fingerprint"] != ca.key) {
      bool clean = r.args.value("clean_mismatch", false);
      if (clean) ca = {};
      return refused(target, "key_mismatch",
                     {{"outcome", "key_mismatch"}, {"cleaned", clean}, {"already_signed", false}});
    }
    if (ca.state == "signed") {
      return ok(target, {{"already_signed", true}, {"outcome", "already_signed"}});
    }
    ca.state = "signed";
    signedKeys.push_back(ca.key);
    return ok(target, {{"signed", true}, {"already_signed", false}, {"outcome", "signed"}});
  }

  std::mutex mutex_;
};

class NoNotifier : public notifiers::EventSink {
 public:
  void publish(const notifiers::Event&) noexcept override {}
};

class KeyCheck : public ::testing::Test {
 protected:
  // The shipped flow with short backoffs: a retry here is a step, not a wait.
  static std::string classicFlow() {
    std::string flow = util::readFile(std::string(DROVER_SOURCE_DIR) + "/etc/flows/classic.yaml");
    const std::string shortBackoff = "backoff: {initial: 10ms, max: 10ms}";
    for (std::size_t at = 0; (at = flow.find("backoff: {initial:", at)) != std::string::npos;
         at += shortBackoff.size()) {
      flow.replace(at, flow.find('}', at) - at + 1, shortBackoff);
    }
    return flow;
  }

  // The state a provisioner killed during node n's call of step `step` leaves.
  void interruptedAt(std::size_t step, const std::string& name) {
    store = std::make_unique<Store>(dir / "state.db");
    NodeRecord rec;
    rec.identity = "n";
    rec.state = NodeState::Running;
    rec.step = step;
    rec.stepName = name;
    rec.master = "pm";
    rec.claimed = rec.checked = true;
    rec.facts = {{"region", "eu"}};
    rec.intent = Intent{name, 1, 7, 1000};
    rec.firstSeenMs = rec.startedMs = 1000;
    store->putNode(rec, true);
    store->putAttempt({7, "n", name, 1, "n", 1000, 0, "", "", Json::object()});
    store->sync();
  }

  // Restarts on that state; true once n is provisioned.
  bool restart() {
    engine = std::make_unique<Engine>(parseFlow(classicFlow(), "classic.yaml"), EngineOptions{},
                                      *store, world, notifier, metrics);
    engine->start();
    engine->observe(
        {"pm", {"puppetca"}, {{"region", "eu"}, {"ipaddress", "10.0.0.1"}}, 1, "enforcing", true});
    return testing::waitFor([&] { return engine->stateOf("n") == NodeState::Provisioned; }, 20s);
  }

  std::vector<std::string> history() {
    std::vector<std::string> out;
    for (const auto& row : store->history("n", 1000)) out.push_back(row.step + ":" + row.outcome);
    return out;
  }
  bool happened(const std::string& row) {
    auto rows = history();
    return std::find(rows.begin(), rows.end(), row) != rows.end();
  }
  // Signed once, for the key the node holds, and both runs went through.
  void expectSignedOnceForTheNodesKey() {
    EXPECT_EQ(world.ca.state, "signed");
    EXPECT_EQ(world.ca.key, world.nodeKey);
    EXPECT_EQ(world.signatures(world.nodeKey), 1);
    EXPECT_EQ(world.failedRuns, 0);
  }

  testing::TempDir dir;
  KeyWorld world;
  NoNotifier notifier;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

// The request still running when the provisioner died submits K1: the node's answer
// waits for it, the master holds K1, the step is done without asking again.
TEST_F(KeyCheck, AnInterruptedRequestThatWentOutIsVerifiedByTheNodesKey) {
  interruptedAt(kRequestStep, "request_certificate");
  world.queued.push_back([&] { world.requestCertificate(); });
  ASSERT_TRUE(restart());
  EXPECT_EQ(world.count("provision#request_certificate"), 0);
  EXPECT_TRUE(happened("request_certificate.verify:verified"));
  expectSignedOnceForTheNodesKey();
  EXPECT_EQ(world.nodeKey, "K1");
}

// A request re-sent with reset_ssl (after an earlier restart) waits on the node behind
// the one it repeats, which has put K1 on the master by now; the provisioner is killed
// again. The re-sent one makes K2 before anything asked later is answered: K1's request
// is never signed, it is cleaned and the node asks again.
TEST_F(KeyCheck, ARequestForAKeyTheNodeNoLongerHoldsIsAskedAgainNotSigned) {
  interruptedAt(kRequestStep, "request_certificate");
  world.requestCertificate();                                   // K1 reached the master
  world.queued.push_back([&] { world.requestCertificate(); });  // K2: stale_request
  ASSERT_TRUE(restart());
  EXPECT_TRUE(happened("request_certificate.verify:not_done"));
  EXPECT_TRUE(happened("request_certificate:redo"));
  EXPECT_EQ(world.signatures("K1"), 0);
  EXPECT_EQ(world.signatures("K2"), 0);
  expectSignedOnceForTheNodesKey();
}

// Killed before the request went out: nothing on the master, the node asks.
TEST_F(KeyCheck, ARequestThatNeverWentOutIsMade) {
  interruptedAt(kRequestStep, "request_certificate");
  ASSERT_TRUE(restart());
  EXPECT_EQ(world.count("provision#request_certificate"), 1);
  expectSignedOnceForTheNodesKey();
}

// Killed at sign before it went out, with a stale request having replaced the node's
// key since: the sign call carries the node's key of this moment and the master
// refuses the request for the old one (key_mismatch), cleaning it.
TEST_F(KeyCheck, SignRefusesARequestForAnotherKeyAndTheNodeAsksAgain) {
  interruptedAt(kSignStep, "sign");
  world.requestCertificate();                                   // K1 pending on the master
  world.queued.push_back([&] { world.requestCertificate(); });  // K2 on the node
  ASSERT_TRUE(restart());
  EXPECT_TRUE(happened("sign.verify:not_done"));
  EXPECT_TRUE(happened("sign:redo"));
  EXPECT_EQ(world.signatures("K1"), 0);
  expectSignedOnceForTheNodesKey();
  EXPECT_EQ(world.nodeKey, "K3");
}

// Killed after the master signed for the node's key: verified, not signed again.
TEST_F(KeyCheck, ASignatureForTheNodesKeyIsNotMadeTwice) {
  interruptedAt(kSignStep, "sign");
  world.requestCertificate();
  world.ca.state = "signed";
  world.signedKeys.push_back("K1");
  ASSERT_TRUE(restart());
  EXPECT_EQ(world.count("puppetca#sign"), 0);
  EXPECT_TRUE(happened("sign.verify:verified"));
  expectSignedOnceForTheNodesKey();
}

// A certificate signed for another key (left by a provisioner without the check) is no
// proof of the step: it is cleaned and the node's own key is signed, before any run.
TEST_F(KeyCheck, ASignatureForAnotherKeyIsCleanedBeforeAnyPuppetRun) {
  interruptedAt(kSignStep, "sign");
  world.requestCertificate();
  world.ca.state = "signed";
  world.signedKeys.push_back("K1");
  world.nodeKey = "K2";
  world.nodeKeys = 2;
  ASSERT_TRUE(restart());
  EXPECT_TRUE(happened("sign.verify:not_done"));
  EXPECT_TRUE(happened("sign:redo"));
  expectSignedOnceForTheNodesKey();
}

// No answer from the node about its key, once for the verify and once for the sign
// call: each is a failed attempt, and no sign call goes out without the key.
TEST_F(KeyCheck, NoSignatureWithoutTheNodesKeyOfTheMoment) {
  interruptedAt(kSignStep, "sign");
  world.requestCertificate();
  struct Flaky : StepExecutor {
    explicit Flaky(KeyWorld& w) : world(w) {}
    std::vector<CallReply> call(const CallRequest& request) override {
      int asked = request.action == "certificate_status" ? ++statusCalls : 0;
      if (asked == 1 || asked == 3) {  // the verify's lookup, then the sign call's
        return {CallReply{request.nodes.front(), false, {}, Json::object(), "", false}};
      }
      return world.call(request);
    }
    KeyWorld& world;
    std::atomic<int> statusCalls{0};
  } flaky(world);
  engine = std::make_unique<Engine>(parseFlow(classicFlow(), "classic.yaml"), EngineOptions{},
                                    *store, flaky, notifier, metrics);
  engine->start();
  engine->observe(
      {"pm", {"puppetca"}, {{"region", "eu"}, {"ipaddress", "10.0.0.1"}}, 1, "enforcing", true});
  ASSERT_TRUE(
      testing::waitFor([&] { return engine->stateOf("n") == NodeState::Provisioned; }, 20s));
  EXPECT_EQ(world.count("puppetca#sign"), 1);
  EXPECT_EQ(
      world.count(
          "puppetca#sign {\"certname\":\"n\",\"clean_mismatch\":true,\"key_fingerprint\":\"K1\"}"),
      1);
  EXPECT_TRUE(happened("sign.verify:retry"));
  EXPECT_TRUE(happened("sign:retry"));
  expectSignedOnceForTheNodesKey();
}

// Killed again while the verify waits for the node: the next start must verify too, not
// repeat the request at once (with reset_ssl it would make another key while the first
// request may still be running). So the intent stays on disk until the verify settles.
TEST_F(KeyCheck, ARestartDuringTheVerifyVerifiesAgain) {
  interruptedAt(kRequestStep, "request_certificate");
  world.requestCertificate();  // K1 on the node and on the master
  struct Held : StepExecutor {
    explicit Held(KeyWorld& w) : world(w) {}
    std::vector<CallReply> call(const CallRequest& request) override {
      if (request.action == "certificate_status" && !released) {
        std::unique_lock lock(mutex);
        asked = true;
        changed.notify_all();
        changed.wait(lock, [&] { return released; });
      }
      return world.call(request);
    }
    KeyWorld& world;
    std::mutex mutex;
    std::condition_variable changed;
    bool asked = false, released = false;
  } held(world);
  engine = std::make_unique<Engine>(parseFlow(classicFlow(), "classic.yaml"), EngineOptions{},
                                    *store, held, notifier, metrics);
  engine->start();
  engine->observe(
      {"pm", {"puppetca"}, {{"region", "eu"}, {"ipaddress", "10.0.0.1"}}, 1, "enforcing", true});
  {
    std::unique_lock lock(held.mutex);
    ASSERT_TRUE(held.changed.wait_for(lock, 20s, [&] { return held.asked; }));
  }
  // What a provisioner killed at this moment leaves on disk.
  store->sync();
  NodeRecord atCrash = store->loadNodes().front();
  {
    std::lock_guard lock(held.mutex);
    held.released = true;
  }
  held.changed.notify_all();
  ASSERT_TRUE(
      testing::waitFor([&] { return engine->stateOf("n") == NodeState::Provisioned; }, 20s));
  engine.reset();
  EXPECT_EQ(world.count("provision#request_certificate"), 0);
  store->sync();
  EXPECT_FALSE(store->loadNodes().front().intent.has_value()) << "settled, the intent goes";

  // A start on the state of the crash verifies the request instead of making another.
  KeyWorld again;
  again.requestCertificate();
  store = std::make_unique<Store>(dir / "at-crash.db");
  store->putNode(atCrash, true);
  store->sync();
  engine = std::make_unique<Engine>(parseFlow(classicFlow(), "classic.yaml"), EngineOptions{},
                                    *store, again, notifier, metrics);
  engine->start();
  engine->observe(
      {"pm", {"puppetca"}, {{"region", "eu"}, {"ipaddress", "10.0.0.1"}}, 1, "enforcing", true});
  ASSERT_TRUE(
      testing::waitFor([&] { return engine->stateOf("n") == NodeState::Provisioned; }, 20s));
  EXPECT_EQ(again.count("provision#request_certificate"), 0) << "the request was made again";
  EXPECT_TRUE(happened("request_certificate.verify:verified"));
  EXPECT_EQ(again.signatures("K1"), 1);
}

}  // namespace
}  // namespace drover::provisioner
