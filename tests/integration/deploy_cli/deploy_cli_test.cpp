// The real `drover deploy` against a real broker and a stand-in for the provisioner's
// `provisioner` agent (stand_in_provisioner.hpp: records requests, answers this file's
// fixed replies; the deploy_* actions of provisioner/control.hpp): the chunked upload (what
// arrived has the file's digest and size), the request sequence, the deploy_wait long
// poll (each call passes the version of the reply before), the lines printed and the
// exit codes, Ctrl-C, and status/list/down.
#include <openssl/evp.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/deploy_cli/stand_in_provisioner.hpp"
#include "tests/integration/fleet.hpp"

namespace drover::integration {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::size_t kChunk = std::size_t{512} * 1024;

constexpr const char* kShop = R"(name: shop
flow: masterless
defaults:
  stages:
    - {bundle: bundles/base.tar, args: ["--quick"]}
pools:
  db: {type: masterful, count: 1}
  app:
    count: 1
    stages:
      - {bundle: bundles/base.tar}
      - {bundle: bundles/app.tar}
    params: {db_host: "{{pools.db.master.address}}"}
)";

std::string sha256(const std::string& bytes) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex = "sha256:";
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string unbase64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0) return "(not base64)";
  std::size_t padding = text.empty() ? 0 : text.size() - text.find_last_not_of('=') - 1;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

std::string randomBytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
  return bytes;
}

Json member(const std::string& identity, const std::string& name, const std::string& step,
            const std::string& state, Json waitingFor = Json::array()) {
  return Json{{"identity", identity},
              {"pool", identity.substr(5, 2)},
              {"name", name},
              {"address", name.empty() ? "" : "10.213.0.9"},
              {"step", step},
              {"state", state},
              {"waiting_for", waitingFor},
              {"error", ""},
              {"stages", Json::array()}};
}

Json status(int version, const std::string& state, Json members) {
  return Json{{"name", "shop"}, {"state", state}, {"version", version}, {"members", members}};
}

// The fixed answers of one test. Bundles are put together as they arrive so the test
// compares them with the files; deploy_status answers statuses[0], deploy_wait the
// status after the one whose version it passes (the last one again at the end).
class Script {
 public:
  std::vector<Json> statuses;
  std::set<std::string> held;           // digests held complete before the upload
  bool holdWaits = false;               // deploy_wait never answers
  std::optional<std::string> refuseUp;  // deploy_up refused with this message

  ProvisionerAnswer operator()(const ProvisionerRequest& r) {
    const envelope::Status ok;
    if (r.action == "deploy_list") return std::pair{ok, Json{{"deployments", deployments()}}};
    if (r.action == "deploy_put_blob") return putBlob(r.args);
    if (r.action == "deploy_up") {
      if (refuseUp)
        return std::pair{envelope::Status{envelope::StatusCode::Aborted, *refuseUp}, Json{}};
      return std::pair{ok, Json{{"deployment", "shop"},
                                {"launched", {"shop-db-0", "shop-app-0"}},
                                {"stopping", Json::array()},
                                {"members", 2}}};
    }
    if (r.action == "deploy_status") return std::pair{ok, statuses.at(0)};
    if (r.action == "deploy_wait") {
      if (holdWaits) return std::nullopt;
      return std::pair{ok, after(r.args.value("version", -1))};
    }
    if (r.action == "deploy_down") {
      return std::pair{
          ok, Json{{"stopped", {"shop-db-0", "shop-app-0"}}, {"released", {"db-master", "app-0"}}}};
    }
    return std::pair{envelope::Status{envelope::StatusCode::UnknownAction, "no " + r.action},
                     Json{}};
  }

  std::string received(const std::string& digest) {
    std::lock_guard lock(mutex_);
    return blobs_[digest];
  }

 private:
  Json deployments() const {
    return Json::array({Json{{"name", "shop"}, {"state", "running"}, {"members", 2}, {"done", 1}}});
  }

  Json after(int version) const {
    for (std::size_t i = 0; i + 1 < statuses.size(); ++i) {
      if (statuses[i]["version"] == version) return statuses[i + 1];
    }
    return statuses.back();
  }

  // The chunk rules: appended when its offset is what is held, 0 starts over.
  ProvisionerAnswer putBlob(const Json& args) {
    const std::string digest = args.value("digest", "");
    const std::uint64_t size = args.value("size", std::uint64_t{0});
    if (held.count(digest))
      return std::pair{envelope::Status{}, Json{{"held", size}, {"complete", true}}};
    std::lock_guard lock(mutex_);
    std::string& bytes = blobs_[digest];
    const std::uint64_t offset = args.value("offset", std::uint64_t{0});
    if (offset == 0) bytes.clear();
    if (offset != bytes.size()) {
      return std::pair{envelope::Status{envelope::StatusCode::Aborted,
                                        fmt::format("offset {} but {} held", offset, bytes.size())},
                       Json{}};
    }
    bytes += unbase64(args.value("data", ""));
    return std::pair{envelope::Status{},
                     Json{{"held", bytes.size()}, {"complete", bytes.size() == size}}};
  }

  std::mutex mutex_;
  std::map<std::string, std::string> blobs_;
};

// Each test has a broker of its own: the stand-in's certificate name is issued once
// per CA, and no reply of one test's stand-in can reach another's drover.
class DeployCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir / "bundles");
    std::filesystem::create_directories(dir / "files/app");
    base = randomBytes(2 * kChunk + 1000, 1);  // three chunks, the last one short
    app = randomBytes(300, 2);
    dir.write("bundles/base.tar", base);
    dir.write("bundles/app.tar", app);
    dir.write("files/app/app.conf", "db = {{params.db_host}}\n");
    file = dir.write("shop.yaml", kShop);
    script.statuses = {
        status(1, "running",
               {member("shop-db-0", "", "launch", "launching"),
                member("shop-app-0", "", "launch", "launching")}),
        status(2, "running",
               {member("shop-db-0", "db-master", "stages", "running"),
                member("shop-app-0", "app-0", "params", "waiting", {"db-master.address"})}),
        status(3, "done",
               {member("shop-db-0", "db-master", "done", "done"),
                member("shop-app-0", "app-0", "done", "done")}),
    };
  }

  // Starts the stand-in once the test has set its script.
  StandInProvisioner& provisioner() {
    if (!provisioner_) {
      provisioner_ = std::make_unique<StandInProvisioner>(
          fleet(), "deploy.provisioner", [this](const ProvisionerRequest& r) { return script(r); });
    }
    return *provisioner_;
  }

  std::vector<ProvisionerRequest> requestsOf(const std::string& action) {
    std::vector<ProvisionerRequest> found;
    for (auto& r : provisioner().requests()) {
      if (r.action == action) found.push_back(r);
    }
    return found;
  }

  Fleet& fleet() { return fleet_; }

  Fleet fleet_;
  testing::TempDir dir;
  std::string base, app;
  std::filesystem::path file;
  Script script;
  std::unique_ptr<StandInProvisioner> provisioner_;
};

TEST_F(DeployCli, UpUploadsInChunksHandsOverTheFileAndFollowsTheLongPollToDone) {
  provisioner();
  Result up = fleet().drover({"deploy", "up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up;
  EXPECT_THAT(
      provisioner().actions(),
      ElementsAre("deploy_list", "deploy_put_blob", "deploy_put_blob", "deploy_put_blob",
                  "deploy_put_blob", "deploy_up", "deploy_status", "deploy_wait", "deploy_wait"));
  // What arrived is the files, byte for byte, under the digests deploy_up names.
  EXPECT_EQ(script.received(sha256(base)), base);
  EXPECT_EQ(script.received(sha256(app)), app);
  std::vector<std::uint64_t> offsets;
  for (const auto& r : requestsOf("deploy_put_blob")) {
    if (r.args["digest"] == sha256(base)) offsets.push_back(r.args["offset"]);
    EXPECT_EQ(r.args["size"], r.args["digest"] == sha256(base) ? base.size() : app.size());
  }
  EXPECT_THAT(offsets, ElementsAre(0u, kChunk, 2 * kChunk));
  Json upArgs = requestsOf("deploy_up").at(0).args;
  EXPECT_EQ(upArgs["file"], "shop.yaml");
  EXPECT_EQ(upArgs["text"], kShop);
  EXPECT_EQ(upArgs["blobs"],
            (Json{{"bundles/base.tar", sha256(base)}, {"bundles/app.tar", sha256(app)}}));
  EXPECT_EQ(upArgs["files"], (Json{{"files/app/app.conf", "db = {{params.db_host}}\n"}}));
  // Each long poll passes the version of the status before it.
  auto waits = requestsOf("deploy_wait");
  EXPECT_EQ(waits.at(0).args["version"], 1);
  EXPECT_EQ(waits.at(1).args["version"], 2);
  EXPECT_EQ(waits.at(0).args["name"], "shop");
  EXPECT_GT(waits.at(0).args["timeout_ms"].get<int>(), 0);
  EXPECT_THAT(up.out, HasSubstr("bundles/base.tar: sent in 3 chunk(s)")) << up;
  EXPECT_THAT(up.out, HasSubstr("deployment shop: 2 member(s); launched 2: shop-db-0, shop-app-0"))
      << up;
  EXPECT_THAT(up.out,
              HasSubstr("shop-db-0 -: launching (launch)\nshop-app-0 -: launching (launch)\n"
                        "shop-db-0 db-master: running (stages)\n"
                        "shop-app-0 app-0: waiting (params); waiting for db-master.address\n"
                        "shop-db-0 db-master: done\nshop-app-0 app-0: done\n"
                        "deployment shop: done\n"))
      << up;
}

TEST_F(DeployCli, ABundleTheProvisionerHoldsCompleteGetsOneChunk) {
  script.held = {sha256(base)};
  Result up =
      fleet().drover({"deploy", "up", file.string(), "--provisioner", provisioner().name()});
  ASSERT_EQ(up.exitCode, 0) << up;
  auto puts = requestsOf("deploy_put_blob");
  ASSERT_EQ(puts.size(), 2u) << up;
  EXPECT_EQ(puts[1].args["digest"], sha256(base));
  EXPECT_EQ(puts[1].args["offset"], 0);
  EXPECT_THAT(up.out, HasSubstr("bundles/base.tar: held already")) << up;
  EXPECT_EQ(provisioner().actions().front(), "deploy_put_blob");  // --provisioner: no deploy_list
}

TEST_F(DeployCli, AFailedMemberEndsUpWithOneAndItsOutputTail) {
  Json failed = member("shop-db-0", "db-master", "stages", "failed");
  failed["stages"] = {{{"stage", 0},
                       {"exit_code", 3},
                       {"duration_ms", 12},
                       {"output_tail", "creating schema\nERROR: disk full\n"}}};
  script.statuses[2] =
      status(3, "running", {failed, member("shop-app-0", "app-0", "params", "waiting")});
  provisioner();
  Result up = fleet().drover({"deploy", "up", file.string()});
  EXPECT_EQ(up.exitCode, 1) << up;
  EXPECT_THAT(up.out,
              HasSubstr("shop-db-0 (db-master) failed: stage 0 exit 3 in 12 ms; output tail:\n"
                        "    creating schema\n    ERROR: disk full\n"))
      << up;
  EXPECT_THAT(up.out, HasSubstr("deployment shop: failed")) << up;
  EXPECT_EQ(requestsOf("deploy_wait").size(), 2u);
}

TEST_F(DeployCli, ABadFileExitsTwoWithItsPlaceAndSendsNothing) {
  std::string text = kShop;
  text.replace(text.find("bundles/app.tar"), 15, "bundles/gone.tar");
  auto bad = dir.write("bad.yaml", text);
  provisioner();
  Result up = fleet().drover({"deploy", "up", bad.string()});
  EXPECT_EQ(up.exitCode, 2) << up;
  EXPECT_THAT(up.err, HasSubstr(bad.string() + ":12:")) << up;
  EXPECT_THAT(up.err, HasSubstr("bundles/gone.tar")) << up;
  // A later call arrives; nothing came before it.
  ASSERT_EQ(fleet().drover({"deploy", "list"}).exitCode, 0);
  EXPECT_THAT(provisioner().actions(), ElementsAre("deploy_list"));
}

TEST_F(DeployCli, ARefusedUpShowsTheProvisionersMessageAndExitsOne) {
  script.refuseUp = "shop.yaml:9:5: pools.app.count: expected an integer from 0 to 1000";
  provisioner();
  Result up = fleet().drover({"deploy", "up", file.string()});
  EXPECT_EQ(up.exitCode, 1) << up;
  EXPECT_THAT(up.err, HasSubstr("deploy.provisioner: shop.yaml:9:5: pools.app.count")) << up;
  EXPECT_EQ(provisioner().actions().back(), "deploy_up");
}

TEST_F(DeployCli, NoWaitReturnsOnceTheProvisionerTookIt) {
  provisioner();
  Result up = fleet().drover({"deploy", "up", file.string(), "--no-wait"});
  ASSERT_EQ(up.exitCode, 0) << up;
  EXPECT_EQ(provisioner().actions().back(), "deploy_up");
  EXPECT_THAT(up.out, HasSubstr("follow it with `drover deploy status shop`")) << up;
}

TEST_F(DeployCli, CtrlCWhileFollowingLeavesTheProvisionerWorking) {
  script.holdWaits = true;
  provisioner();
  testing::Process up({testing::binary("drover").string(), "--config",
                       fleet().clientConfig().string(), "deploy", "up", file.string()},
                      dir / "up.log");
  ASSERT_TRUE(provisioner().waitForRequest("deploy_wait", 1, 30s)) << up.log();
  ::kill(up.pid(), SIGINT);
  EXPECT_EQ(up.wait(10s), 128 + SIGINT) << up.log();
  EXPECT_THAT(up.log(), HasSubstr("interrupted: provisioner deploy.provisioner goes on with "
                                  "deployment shop; follow it with `drover deploy status shop`"));
  EXPECT_THAT(provisioner().actions(), Not(::testing::Contains("deploy_down")));
}

TEST_F(DeployCli, StatusListAndDownPrintTheProvisionersReplies) {
  Json waiting = member("shop-app-0", "app-0", "params", "waiting", {"db-master.address"});
  script.statuses[0] =
      status(2, "running", {member("shop-db-0", "", "launch", "launching"), waiting});
  provisioner();
  Result status = fleet().drover({"deploy", "status", "shop"});
  ASSERT_EQ(status.exitCode, 0) << status;
  EXPECT_EQ(status.out,
            "deployment shop: running, 2 member(s)\n"
            "MEMBER      NAME   ADDRESS     STEP                WAITING FOR\n"
            "shop-db-0   -      -           launching (launch)  -\n"
            "shop-app-0  app-0  10.213.0.9  waiting (params)    db-master.address\n");
  Result json = fleet().drover({"deploy", "status", "shop", "--json"});
  ASSERT_EQ(json.exitCode, 0) << json;
  EXPECT_EQ(Json::parse(json.out)["replies"][0]["data"], script.statuses[0]);
  Result list = fleet().drover({"deploy", "list"});
  ASSERT_EQ(list.exitCode, 0) << list;
  EXPECT_THAT(list.out, HasSubstr("NAME  STATE    MEMBERS  DONE\nshop  running  2        1\n"));
  Result down = fleet().drover({"deploy", "down", "shop"});
  ASSERT_EQ(down.exitCode, 0) << down;
  EXPECT_THAT(down.out, StartsWith("deploy.provisioner: stopped 2: shop-db-0, shop-app-0; "
                                   "released 2: db-master, app-0"));
  EXPECT_EQ(requestsOf("deploy_down").at(0).args, (Json{{"name", "shop"}}));
}

// --timeout before `deploy` is how long any one call waits: each long poll asks the
// provisioner to answer well within it.
TEST_F(DeployCli, ACallTimeoutShortensTheLongPoll) {
  provisioner();
  Result up = fleet().drover({"--timeout", "5", "deploy", "up", file.string()});
  ASSERT_EQ(up.exitCode, 0) << up;
  for (const auto& wait : requestsOf("deploy_wait")) {
    EXPECT_LE(wait.args["timeout_ms"].get<int>(), 4000) << wait.args;
  }
}

TEST_F(DeployCli, UpStopsFollowingAfterItsTimeoutAndSaysHowToGoOn) {
  script.statuses.resize(2);  // never done
  provisioner();
  Result up = fleet().drover({"deploy", "up", file.string(), "--timeout", "1s"});
  EXPECT_EQ(up.exitCode, 1) << up;
  EXPECT_THAT(up.err, HasSubstr("deployment shop is still on its way; follow it with "
                                "`drover deploy status shop`"))
      << up;
  for (const auto& wait : requestsOf("deploy_wait")) {
    EXPECT_LE(wait.args["timeout_ms"].get<int>(), 1000) << wait.args;
  }
}

TEST_F(DeployCli, AProvisionerFallingSilentWhileFollowedIsNamedWithHowToGoOn) {
  script.holdWaits = true;
  provisioner();
  Result up = fleet().drover({"--timeout", "2", "deploy", "up", file.string()});
  EXPECT_EQ(up.exitCode, 4) << up;
  EXPECT_THAT(up.err, HasSubstr("provisioner deploy.provisioner did not answer deploy_wait; "
                                "follow deployment shop with `drover deploy status shop`"))
      << up;
}

TEST_F(DeployCli, BadArgumentsAreRefusedBeforeAsking) {
  provisioner();
  Result bare = fleet().drover({"deploy", "up", file.string(), "--timeout", "5"});
  EXPECT_EQ(bare.exitCode, 2) << bare;
  EXPECT_THAT(bare.err, HasSubstr("--timeout: '5' is no duration (500ms, 30s, 5m, 1h)")) << bare;
  Result noName = fleet().drover({"deploy", "status"});
  EXPECT_EQ(noName.exitCode, 2) << noName;
  Result noFile = fleet().drover({"deploy", "up", (dir / "missing.yaml").string()});
  EXPECT_EQ(noFile.exitCode, 2) << noFile;
  EXPECT_THAT(noFile.err, HasSubstr("missing.yaml: no such file")) << noFile;
  ASSERT_EQ(fleet().drover({"deploy", "list"}).exitCode, 0);
  EXPECT_THAT(provisioner().actions(), ElementsAre("deploy_list"));
}

TEST_F(DeployCli, NoProvisionerAnsweringExitsFour) {
  Result up = fleet().drover({"deploy", "up", file.string()});
  EXPECT_EQ(up.exitCode, 4) << up;
  EXPECT_THAT(up.err, HasSubstr("no provisioner answered")) << up;
}

}  // namespace
}  // namespace drover::integration
