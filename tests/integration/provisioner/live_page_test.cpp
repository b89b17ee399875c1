// The provisioner's live page against a real provisioner, broker and droverd nodes with the
// stand-in agents: its login, its event stream and its bounds over HTTP, then in headless
// Chromium (tests/browser/live_page.mjs) with 5,000 nodes in the provisioner's state and
// four live ones going through the flow, one failing. The screenshots are kept in
// <build>/test-artifacts/live-page/.
#include <crypt.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "core/util/json.hpp"
#include "provisioner/store.hpp"
#include "tests/integration/fleet_suite.hpp"
#include "tests/integration/provisioner/provisioner_it.hpp"

namespace drover::integration {
namespace {

constexpr const char* kUser = "ops";
constexpr const char* kPassword = "correct horse battery";

fs::path usersFile(const testing::TempDir& dir) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$6$", 0, nullptr, 0, salt, sizeof salt) == nullptr) {
    throw std::runtime_error("crypt_gensalt failed");
  }
  crypt_data data{};
  std::string hash = crypt_r(kPassword, salt, &data);
  return dir.write("users", std::string("# the page's users\n") + kUser + ":" + hash + "\n");
}

// Nodes a provisioner finished (or failed, or was told to hold) before it restarted: they
// are in its state database and never register again, as after a large rollout.
struct Preloaded {
  int provisioned = 0, failed = 0, held = 0;
  int total() const { return provisioned + failed + held; }
};

void preload(const fs::path& db, const Preloaded& counts) {
  provisioner::Store store(db);
  for (int i = 0; i < counts.total(); ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "fleet-%04d", i);
    provisioner::NodeRecord r;
    r.identity = id;
    r.master = i % 2 == 0 ? "pm-eu" : "pm-us";
    r.firstSeenMs = r.startedMs = r.updatedMs = 1700000000000 + i;
    if (i < counts.provisioned) {
      r.state = provisioner::NodeState::Provisioned;
      r.stepName = "notify";
      r.finishedMs = r.updatedMs;
    } else if (i < counts.provisioned + counts.failed) {
      r.state = provisioner::NodeState::Failed;
      r.stepName = "bootstrap";
      r.lastError = "puppet agent exited 1";
    } else {
      r.state = provisioner::NodeState::Held;
      r.stepName = "csr";
    }
    store.putNode(r, false);
  }
}

httplib::Headers login() { return {httplib::make_basic_authentication_header(kUser, kPassword)}; }

class LivePage : public ::testing::Test {
 protected:
  void SetUp() override {
    fleet.addNodes({spec("pm-eu", "eu", "fca"), spec("pm-us", "us", "fca")});
  }
  Fleet fleet;
  testing::TempDir dir;
};

TEST_F(LivePage, NeedsItsLoginServesTheStateAndBoundsItsViewers) {
  Provisioner p(fleet, "prov1.provisioner",
                {"--page-auth-file", usersFile(dir).string(), "--page-max-viewers", "2"});
  preload(p.dir() / "state.db", {3, 1, 1});
  p.start();
  httplib::Client http("127.0.0.1", p.httpPort());

  for (const char* path : {"/", "/live.js", "/events", "/api/state", "/metrics"}) {
    auto res = http.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_NE(res->get_header_value("WWW-Authenticate").find("Basic realm="), std::string::npos);
  }
  auto wrong = http.Get("/", {httplib::make_basic_authentication_header(kUser, "wrong")});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);

  auto page = http.Get("/", login());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<script src=\"live.js\">"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  auto metrics = http.Get("/metrics", login());
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("drover_provisioner_nodes"), std::string::npos);

  auto state = http.Get("/api/state", login());
  ASSERT_TRUE(state);
  Json doc = Json::parse(state->body);
  EXPECT_EQ(doc["provisioner"], "prov1.provisioner");
  EXPECT_EQ(doc["rows"].size(), 5u);
  ASSERT_TRUE(testing::waitFor(
      [&] { return Json::parse(http.Get("/api/state", login())->body)["masters"].size() == 2; },
      20s));

  auto history = http.Get("/api/history?node=fleet-0003", login());
  ASSERT_TRUE(history);
  EXPECT_EQ(history->status, 200);
  EXPECT_EQ(Json::parse(history->body)["node"]["last_error"], "puppet agent exited 1");
  EXPECT_EQ(http.Get("/api/history?node=nobody", login())->status, 404);
  EXPECT_EQ(http.Get("/api/history", login())->status, 400);
  EXPECT_EQ(http.Get("/nothing-here", login())->status, 404);

  // Two viewers follow the stream; a third is turned away until one leaves.
  std::mutex mutex;
  std::condition_variable changed;
  int snapshots = 0;
  bool leave = false;
  auto viewer = [&] {
    httplib::Client client("127.0.0.1", p.httpPort());
    client.set_read_timeout(60, 0);
    std::string received;
    client.Get("/events", login(), [&](const char* data, std::size_t size) {
      received.append(data, size);
      std::unique_lock lock(mutex);
      auto at = received.find("event: snapshot\ndata: ");
      if (at != std::string::npos && received.find("\n\n", at) != std::string::npos) {
        received.clear();
        ++snapshots;
        changed.notify_all();
      }
      return !leave;
    });
  };
  std::thread first(viewer), second(viewer);
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(changed.wait_for(lock, 30s, [&] { return snapshots == 2; }));
  }
  auto third = http.Get("/events", login());
  EXPECT_TRUE(third && third->status == 503);
  if (third) EXPECT_NE(third->body.find("page.max_viewers: 2"), std::string::npos);
  {
    std::lock_guard lock(mutex);
    leave = true;
  }
  // A keep-alive or a masters' change reaches each stream within seconds; it then ends.
  first.join();
  second.join();
  ASSERT_TRUE(testing::waitFor(
      [&] {
        httplib::Client client("127.0.0.1", p.httpPort());
        bool got = false;
        client.Get("/events", login(), [&](const char*, std::size_t) {
          got = true;
          return false;
        });
        return got;
      },
      30s));
  EXPECT_EQ(p.stop(), 0) << p.log();
}

TEST_F(LivePage, TurnedOffItLeavesTheMetricsAloneAndABadUsersFileStopsTheStart) {
  Provisioner off(fleet, "prov1.provisioner", {"--page-enabled", "false"});
  off.start();
  httplib::Client http("127.0.0.1", off.httpPort());
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 404);
  EXPECT_EQ(http.Get("/events")->status, 404);
  EXPECT_EQ(http.Get("/metrics")->status, 200);
  EXPECT_EQ(off.stop(), 0) << off.log();

  Provisioner bad(fleet, "prov2.provisioner",
                  {"--page-auth-file", dir.write("weak", "ops:secret\n").string()});
  EXPECT_THROW(bad.start(), std::runtime_error);
  EXPECT_NE(bad.log().find("weak:1: the hash of user 'ops' is not bcrypt"), std::string::npos)
      << bad.log();
}

TEST_F(LivePage, ChromiumFollowsFiveThousandNodesAndALiveFlowAsItHappens) {
  const Preloaded pre{4200, 600, 200};
  Provisioner p(fleet, "prov1.provisioner", {"--page-auth-file", usersFile(dir).string()});
  preload(p.dir() / "state.db", pre);
  p.start();

  fs::path artifacts = fs::path(DROVER_BINARY_DIR) / "test-artifacts" / "live-page";
  fs::remove_all(artifacts);
  fs::create_directories(artifacts);
  const std::string failedError = "bootstrap broke: <b>not bold</b>";
  Json browserSpec{
      {"url", "http://127.0.0.1:" + std::to_string(p.httpPort()) + "/"},
      {"user", kUser},
      {"password", kPassword},
      {"artifacts", artifacts.string()},
      {"preloaded", {{"provisioned", pre.provisioned}, {"failed", pre.failed}, {"held", pre.held}}},
      {"ok", {"node-eu-1", "node-eu-2", "node-us-1"}},
      {"failed", {{"id", "node-us-2"}, {"error", failedError}}},
      {"last_id", "node-us-2"},
      {"filter_id", "fleet-4321"}};
  testing::Process browser(
      {"/usr/bin/node", (fs::path(DROVER_SOURCE_DIR) / "tests/browser/live_page.mjs").string(),
       browserSpec.dump()},
      dir / "browser.log");
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return browser.log().find("\"stage\":\"ready\"") != std::string::npos || !browser.running();
      },
      120s))
      << browser.log();
  ASSERT_NE(browser.log().find("\"stage\":\"ready\""), std::string::npos) << browser.log();

  // The live nodes start once the page is watching; each action takes a second, so every
  // node is in flight for several seconds while the page follows it.
  std::vector<NodeSpec> live;
  for (const char* id : {"node-eu-1", "node-eu-2", "node-us-1", "node-us-2"}) {
    NodeSpec s = spec(id, std::string(id).find("-eu-") != std::string::npos ? "eu" : "us", "fprov");
    s.agentFiles.push_back({"slow", "1"});
    if (std::string(id) == "node-us-2") s.agentFiles.push_back({"fail_bootstrap", failedError});
    live.push_back(std::move(s));
  }
  fleet.addNodes(live);

  int status = browser.wait(std::chrono::minutes(4));
  std::string out = browser.log();
  std::cout << out;
  EXPECT_EQ(status, 0) << out << p.log();
  EXPECT_NE(out.find("\"stage\":\"done\""), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(artifacts / "live-page.png"));
  EXPECT_TRUE(fs::exists(artifacts / "live-page-history.png"));
  EXPECT_EQ(p.stop(), 0) << p.log();
}

}  // namespace
}  // namespace drover::integration
