// The puppetca, provision and puppet agents against a real puppetserver: one master for
// the whole executable, a real broker and droverd nodes, each with its own root (hosts
// file, Puppet confdir and ssldir, provisioning record), driven by `drover rpc`.
// Contracts: ddl/puppetca.json, ddl/provision.json, ddl/puppet.json.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::e2e {
namespace {

namespace fs = std::filesystem;
using integration::Fleet;
using integration::NodeSpec;
using integration::Result;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kMasterNode = "master.e2e";
const std::string kForeignHosts =
    "127.0.0.1 localhost\n"
    "10.9.9.9 puppetdb puppet-reports # our puppet reporting box\n"
    "::1 localhost ip6-localhost\n";

// ---- the one master ---------------------------------------------------------------

class MasterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      testing::PuppetMaster::Options options;
      options.name = "puppet-e2e";
      options.region = "eu-test";
      master_ = std::make_unique<testing::PuppetMaster>(options);
      master_->start();
      std::printf(
          "[ master   ] puppetserver %s on 127.0.0.1:%d running after %.1f s, RSS %ld MiB\n",
          master_->name().c_str(), master_->port(),
          static_cast<double>(master_->startupTime().count()) / 1000.0, master_->rssKib() / 1024);
    } catch (const std::exception& e) {
      error_ = e.what();
      master_.reset();
    }
  }
  void TearDown() override { master_.reset(); }

  static testing::PuppetMaster* master() { return master_.get(); }
  static const std::string& error() { return error_; }

 private:
  static inline std::unique_ptr<testing::PuppetMaster> master_;
  static inline std::string error_;
};

// ---- one rpc call and its timing ----------------------------------------------------

struct Call {
  Result result;
  Json doc;    // the whole --json document
  Json reply;  // the one reply
  Json data;   // its data
  int statuscode = -1;
  double seconds = 0;
};

std::ostream& operator<<(std::ostream& os, const Call& call) { return os << call.result; }

std::vector<std::pair<std::string, double>>& timings() {
  static std::vector<std::pair<std::string, double>> all;
  return all;
}

// ---- the suite: a fleet with the master's droverd and node droverds ---------------

class PuppetAgents : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!MasterEnvironment::master()) return;
    try {
      fleet_ = std::make_unique<Fleet>();
      allowAdmins();
      std::vector<NodeSpec> specs{masterSpec()};
      for (const char* node : {"node1.e2e", "node2.e2e", "node3.e2e", "node4.e2e", "node5.e2e"}) {
        specs.push_back(nodeSpec(node));
      }
      fleet_->addNodes(specs);
    } catch (const std::exception& e) {
      fleetError_ = e.what();
      fleet_.reset();
    }
  }

  static void TearDownTestSuite() {
    fleet_.reset();
    roots_.clear();
    std::printf("[ timings  ] %-58s %8s\n", "step (drover rpc, wall clock)", "seconds");
    for (const auto& [step, seconds] : timings()) {
      std::printf("[ timings  ] %-58s %8.2f\n", step.c_str(), seconds);
    }
  }

  void SetUp() override {
    if (!MasterEnvironment::master()) {
      GTEST_FAIL() << "puppetserver did not start: " << MasterEnvironment::error();
    }
    if (!fleet_) GTEST_FAIL() << "the fleet did not start: " << fleetError_;
  }

  // The policies that let the test's admin call the three agents (default deny).
  static void allowAdmins() {
    for (const char* agent : {"puppetca", "provision", "puppet"}) {
      util::writeFileAtomically(fleet_->policyDir() / (std::string(agent) + ".yaml"),
                                "default: deny\nrules:\n  - allow:\n      callers: \"*\"\n"
                                "      roles: [admin]\n      actions: \"*\"\n");
    }
  }

  static NodeSpec masterSpec() {
    auto root = std::make_unique<testing::TempDir>();
    NodeSpec spec;
    spec.identity = kMasterNode;
    spec.facts = "region: " + master().region() + "\npuppet_master: true\n";
    spec.extraArgs = {"--puppetserver-config", master().puppetConf().string(), "--root",
                      root->path().string()};
    roots_[kMasterNode] = std::move(root);
    return spec;
  }

  static NodeSpec nodeSpec(const std::string& identity) {
    auto root = std::make_unique<testing::TempDir>();
    fs::create_directories(root->path() / "etc");
    root->write("etc/hosts", kForeignHosts);
    testing::writeNodePuppetConfig(root->path(),
                                   {{"marker_dir", (root->path() / "var/markers").string()}},
                                   {{"certname", identity},
                                    {"server", master().address()},
                                    {"serverport", std::to_string(master().port())}});
    NodeSpec spec;
    spec.identity = identity;
    spec.facts = "region: " + master().region() + "\n";
    spec.extraArgs = {"--root",      root->path().string(), "--puppet-confdir",
                      "/etc/puppet", "--hosts-file",        "/etc/hosts"};
    roots_[identity] = std::move(root);
    return spec;
  }

  static testing::PuppetMaster& master() { return *MasterEnvironment::master(); }
  static Fleet& fleet() { return *fleet_; }
  static fs::path root(const std::string& node) { return roots_.at(node)->path(); }
  static fs::path ssldir(const std::string& node) { return root(node) / "var/lib/puppet/ssl"; }

  /// `drover rpc AGENT ACTION args... -I node --json`, timed and parsed.
  static Call rpc(const std::string& node, const std::string& agent, const std::string& action,
                  std::vector<std::string> args = {}, const std::string& label = "") {
    std::vector<std::string> argv{"rpc", agent, action};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-I", node, "--json"});
    auto started = Clock::now();
    Call call;
    call.result = fleet().drover(argv);
    call.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    timings().emplace_back(label.empty() ? agent + "#" + action + " " + node : label, call.seconds);
    call.doc = Json::parse(call.result.out, nullptr, false);
    if (call.doc.is_object() && call.doc.contains("replies") && call.doc["replies"].size() == 1) {
      call.reply = call.doc["replies"][0];
      call.data = call.reply.value("data", Json::object());
      call.statuscode = call.reply.value("statuscode", -1);
    }
    return call;
  }

  static std::string portArg() { return "port=" + std::to_string(master().port()); }
  static std::string serverArg() { return "server=" + master().address(); }

  static Call ca(const std::string& action, const std::string& certname,
                 const std::string& label = "") {
    return rpc(kMasterNode, "puppetca", action, {"certname=" + certname},
               label.empty() ? "puppetca#" + action + " " + certname : label);
  }

  // request_certificate + sign, checked: the common start of several cases.
  static void enrol(const std::string& node) {
    Call request = rpc(node, "provision", "request_certificate", {serverArg(), portArg()});
    ASSERT_EQ(request.statuscode, 0) << request;
    Call sign = ca("sign", node);
    ASSERT_EQ(sign.statuscode, 0) << sign;
  }

  static std::string marker(const std::string& node, const std::string& environment) {
    fs::path file = root(node) / "var/markers" / (node + "." + environment + ".marker");
    return fs::exists(file) ? util::readFile(file) : "";
  }

 private:
  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::string fleetError_;
  static inline std::map<std::string, std::unique_ptr<testing::TempDir>> roots_;
};

// The classic cycle, each step as the provisioner will run it.
TEST_F(PuppetAgents, ClassicCycleFromBareNodeToProduction) {
  const std::string node = "node1.e2e";
  Call clean = ca("clean", node, "1 puppetca#clean (nothing there)");
  ASSERT_EQ(clean.statuscode, 0) << clean;
  EXPECT_EQ(clean.data["cleaned"], false);
  EXPECT_EQ(clean.data["previous_state"], "missing");

  Call hosts = rpc(node, "provision", "set_puppet_server", {"name=puppet", "address=127.0.0.1"},
                   "2 provision#set_puppet_server");
  ASSERT_EQ(hosts.statuscode, 0) << hosts;
  EXPECT_EQ(hosts.data["changed"], true);
  EXPECT_EQ(util::readFile(root(node) / "etc/hosts"),
            kForeignHosts + "127.0.0.1 puppet # drover: puppet server\n");
  Call again = rpc(node, "provision", "set_puppet_server", {"name=puppet", "address=127.0.0.1"});
  EXPECT_EQ(again.data["changed"], false) << again;

  Call request = rpc(node, "provision", "request_certificate", {serverArg(), portArg()},
                     "3 provision#request_certificate");
  ASSERT_EQ(request.statuscode, 0) << request;
  EXPECT_EQ(request.data["outcome"], "submitted");
  const std::string csr = request.data.value("csr_fingerprint", "");
  EXPECT_EQ(csr.size(), 95u) << request;

  Call list = rpc(kMasterNode, "puppetca", "list", {}, "4 puppetca#list");
  ASSERT_EQ(list.statuscode, 0) << list;
  Json pending;
  for (const auto& entry : list.data["requests"]) {
    if (entry["name"] == node) pending = entry;
  }
  ASSERT_TRUE(pending.is_object()) << node << " not pending: " << list;
  EXPECT_EQ(pending["fingerprint"], csr) << "the master lists the very request the node made";

  Call sign = ca("sign", node, "5 puppetca#sign");
  ASSERT_EQ(sign.statuscode, 0) << sign;
  EXPECT_EQ(sign.data["signed"], true);
  EXPECT_EQ(sign.data["already_signed"], false);

  for (const std::string environment : {"bootstrap", "production"}) {
    Call run =
        rpc(node, "provision", "run_puppet", {"environment=" + environment, serverArg(), portArg()},
            "6 provision#run_puppet " + environment);
    ASSERT_EQ(run.statuscode, 0) << run;
    EXPECT_EQ(run.data["outcome"], "changes") << run;
    EXPECT_EQ(run.data["environment"], environment) << run;
    EXPECT_EQ(run.data["exitcode"], 2);
    EXPECT_GE(run.data["changed_resources"].get<int>(), 1) << run;
    EXPECT_EQ(marker(node, environment), "certname=" + node + "\nenvironment=" + environment +
                                             "\nmaster=" + master().name() + "\n");
  }

  Call local = rpc(node, "provision", "certificate_status", {}, "7 provision#certificate_status");
  ASSERT_EQ(local.statuscode, 0) << local;
  EXPECT_EQ(local.data["has_certificate"], true);
  EXPECT_EQ(local.data["matches_key"], true);
  EXPECT_EQ(local.data["signed_by_ca"], true);
  Call onMaster = ca("status", node, "8 puppetca#status");
  ASSERT_EQ(onMaster.statuscode, 0) << onMaster;
  EXPECT_EQ(onMaster.data["state"], "signed");
  EXPECT_EQ(onMaster.data["fingerprint"], local.data["fingerprint"]);
  EXPECT_EQ(onMaster.data["fingerprint"], sign.data["fingerprint"]);

  Call status = rpc(node, "provision", "status");
  ASSERT_EQ(status.statuscode, 0) << status;
  EXPECT_THAT(status.data["completed_steps"].get<std::vector<std::string>>(),
              ::testing::UnorderedElementsAre("set_puppet_server", "request_certificate",
                                              "run_puppet:bootstrap", "run_puppet:production"));
  EXPECT_EQ(status.data["certname"], node);
}

// Asking twice, signing twice, cleaning twice: each repeat is a recognisable outcome.
TEST_F(PuppetAgents, RepeatedStepsAreRecognisedOutcomes) {
  const std::string node = "node2.e2e";
  Call first = rpc(node, "provision", "request_certificate", {serverArg(), portArg()});
  ASSERT_EQ(first.statuscode, 0) << first;
  EXPECT_EQ(first.data["outcome"], "submitted");

  Call pending = rpc(node, "provision", "request_certificate", {serverArg(), portArg()},
                     "provision#request_certificate (already pending)");
  ASSERT_EQ(pending.statuscode, 0) << pending;
  EXPECT_EQ(pending.data["outcome"], "already_pending");
  EXPECT_EQ(pending.data["csr_fingerprint"], first.data["csr_fingerprint"]);
  EXPECT_EQ(ca("status", node).data["state"], "requested");

  ASSERT_EQ(ca("sign", node).statuscode, 0);
  Call signedTwice = ca("sign", node, "puppetca#sign (already signed)");
  ASSERT_EQ(signedTwice.statuscode, 0) << signedTwice;
  EXPECT_EQ(signedTwice.data["signed"], false);
  EXPECT_EQ(signedTwice.data["already_signed"], true);
  EXPECT_FALSE(signedTwice.data["fingerprint"].get<std::string>().empty());

  Call afterSigning = rpc(node, "provision", "request_certificate", {serverArg(), portArg()},
                          "provision#request_certificate (already signed)");
  ASSERT_EQ(afterSigning.statuscode, 0) << afterSigning;
  EXPECT_EQ(afterSigning.data["outcome"], "already_signed");
  Call local = rpc(node, "provision", "certificate_status");
  EXPECT_EQ(local.data["matches_key"], true) << local;
  EXPECT_EQ(local.data["fingerprint"], signedTwice.data["fingerprint"]);

  Call clean = ca("clean", node, "puppetca#clean (signed)");
  ASSERT_EQ(clean.statuscode, 0) << clean;
  EXPECT_EQ(clean.data["cleaned"], true);
  EXPECT_EQ(clean.data["revoked"], true);
  EXPECT_EQ(clean.data["previous_state"], "signed");
  Call nothing = ca("clean", node);
  ASSERT_EQ(nothing.statuscode, 0) << nothing;
  EXPECT_EQ(nothing.data["cleaned"], false);
  EXPECT_EQ(ca("status", node).data["state"], "missing");

  // A request only: clean removes it (the CLI's exit code 24).
  Call resubmit = rpc(node, "provision", "request_certificate", {serverArg(), portArg()});
  ASSERT_EQ(resubmit.statuscode, 0) << resubmit;
  EXPECT_EQ(resubmit.data["outcome"], "submitted");
  EXPECT_EQ(resubmit.data["removed_stale_certificate"], true)
      << "the cleaned certificate left on the node must go, or its next run fails the handshake";
  Call requestOnly = ca("clean", node, "puppetca#clean (request only)");
  ASSERT_EQ(requestOnly.statuscode, 0) << requestOnly;
  EXPECT_EQ(requestOnly.data["previous_state"], "requested");

  Call unknown = ca("sign", "nobody.e2e");
  EXPECT_EQ(unknown.statuscode, 1) << unknown;
  EXPECT_THAT(unknown.reply.value("statusmsg", ""), HasSubstr("no certificate request"));
}

// The node was rebuilt with the same name: new key, while the master still holds the
// certificate of the old one.
TEST_F(PuppetAgents, NodeWhoseKeyNoLongerMatchesTheMastersCertificate) {
  const std::string node = "node3.e2e";
  enrol(node);
  Call run =
      rpc(node, "provision", "run_puppet", {"environment=bootstrap", serverArg(), portArg()});
  ASSERT_EQ(run.statuscode, 0) << run;
  const fs::path cert = ssldir(node) / "certs" / (node + ".pem");
  ASSERT_TRUE(fs::exists(cert));
  std::string oldCert = util::readFile(cert);
  fs::remove_all(ssldir(node));

  Call conflict = rpc(node, "provision", "request_certificate", {serverArg(), portArg()},
                      "provision#request_certificate (key mismatch)");
  EXPECT_EQ(conflict.statuscode, 1) << conflict;
  EXPECT_EQ(conflict.data["outcome"], "certificate_mismatch") << conflict;

  // The old certificate beside the new key: certificate_status sees they do not belong.
  fs::create_directories(cert.parent_path());
  util::writeFileAtomically(cert, oldCert);
  Call local = rpc(node, "provision", "certificate_status");
  ASSERT_EQ(local.statuscode, 0) << local;
  EXPECT_EQ(local.data["has_key"], true);
  EXPECT_EQ(local.data["has_certificate"], true);
  EXPECT_EQ(local.data["matches_key"], false);

  // The fix: clean on the master, request again with the new key, sign, run.
  ASSERT_EQ(ca("clean", node).statuscode, 0);
  Call again = rpc(node, "provision", "request_certificate", {serverArg(), portArg()});
  ASSERT_EQ(again.statuscode, 0) << again;
  EXPECT_EQ(again.data["outcome"], "submitted");
  EXPECT_EQ(again.data["removed_stale_certificate"], true);
  ASSERT_EQ(ca("sign", node).statuscode, 0);
  Call production =
      rpc(node, "provision", "run_puppet", {"environment=production", serverArg(), portArg()},
          "provision#run_puppet after re-enrolment");
  ASSERT_EQ(production.statuscode, 0) << production;
  EXPECT_EQ(rpc(node, "provision", "certificate_status").data["matches_key"], true);
}

// The puppet agent on an enrolled node: runs, status, disable/enable, environment check.
TEST_F(PuppetAgents, PuppetAgentRunsReportsAndCanBeDisabled) {
  const std::string node = "node4.e2e";
  enrol(node);
  Call first = rpc(node, "puppet", "runonce", {"environment=production"}, "puppet#runonce");
  ASSERT_EQ(first.statuscode, 0) << first;
  EXPECT_EQ(first.data["outcome"], "changes");
  Call second =
      rpc(node, "puppet", "runonce", {"environment=production", "splay=true", "splaylimit=1"});
  ASSERT_EQ(second.statuscode, 0) << second;
  EXPECT_EQ(second.data["outcome"], "no_changes");

  Call summary = rpc(node, "puppet", "last_run_summary", {}, "puppet#last_run_summary");
  ASSERT_EQ(summary.statuscode, 0) << summary;
  EXPECT_GT(summary.data["lastrun"].get<std::int64_t>(), 0);
  EXPECT_GE(summary.data["total_resources"].get<int>(), 2);
  EXPECT_EQ(summary.data["failed_resources"], 0);

  Call wrong = rpc(node, "puppet", "runonce", {"environment=nosuchenv"},
                   "puppet#runonce (unknown environment)");
  EXPECT_EQ(wrong.statuscode, 1) << wrong;
  EXPECT_EQ(wrong.data["outcome"], "wrong_environment");
  EXPECT_EQ(wrong.data["environment"], "production");

  Call disable = rpc(node, "puppet", "disable", {"message=maintenance by e2e"});
  ASSERT_EQ(disable.statuscode, 0) << disable;
  EXPECT_EQ(disable.data["enabled"], false);
  Call status = rpc(node, "puppet", "status", {}, "puppet#status");
  EXPECT_EQ(status.data["enabled"], false) << status;
  EXPECT_EQ(status.data["status"], "disabled");
  EXPECT_EQ(status.data["disable_message"], "maintenance by e2e");
  Call refused = rpc(node, "puppet", "runonce");
  EXPECT_EQ(refused.statuscode, 1) << refused;
  EXPECT_EQ(refused.data["outcome"], "disabled");
  ASSERT_EQ(rpc(node, "puppet", "enable").statuscode, 0);
  ASSERT_EQ(rpc(node, "puppet", "enable").statuscode, 0) << "enabling twice is fine";
  Call enabled = rpc(node, "puppet", "status");
  EXPECT_EQ(enabled.data["enabled"], true);
  EXPECT_GE(enabled.data["since_lastrun"].get<std::int64_t>(), 0);
}

// Two provisioners: one claim at a time, kept across a droverd restart.
TEST_F(PuppetAgents, ClaimIsExclusiveAndSurvivesARestart) {
  const std::string node = "node2.e2e";
  Call a =
      rpc(node, "provision", "claim", {"owner=prov-a", "lease_seconds=300"}, "provision#claim");
  ASSERT_EQ(a.statuscode, 0) << a;
  EXPECT_EQ(a.data["granted"], true);
  Call b = rpc(node, "provision", "claim", {"owner=prov-b", "lease_seconds=300"});
  EXPECT_EQ(b.statuscode, 1) << b;
  EXPECT_EQ(b.data["owner"], "prov-a");
  EXPECT_THAT(b.reply.value("statusmsg", ""), HasSubstr("prov-a"));

  integration::Node& droverd = fleet().node(node);
  droverd.stop();
  droverd.start();
  droverd.waitReady(std::chrono::seconds(15));

  Call afterRestart = rpc(node, "provision", "claim", {"owner=prov-b", "lease_seconds=300"});
  EXPECT_EQ(afterRestart.statuscode, 1) << afterRestart;
  EXPECT_EQ(afterRestart.data["owner"], "prov-a");
  EXPECT_EQ(rpc(node, "provision", "release", {"owner=prov-b"}).statuscode, 1);
  Call released = rpc(node, "provision", "release", {"owner=prov-a"}, "provision#release");
  ASSERT_EQ(released.statuscode, 0) << released;
  EXPECT_EQ(released.data["released"], true);
  Call now = rpc(node, "provision", "claim", {"owner=prov-b", "lease_seconds=300"});
  EXPECT_EQ(now.statuscode, 0) << now;
}

// The key check against the real CA: the node's key fingerprint (SHA-256 of its
// SubjectPublicKeyInfo) is what puppetca reads from the request the CA holds, and sign
// given another key refuses (key_mismatch), cleaning the request when asked.
TEST_F(PuppetAgents, SignChecksTheNodesKeyAgainstTheRequestTheCaHolds) {
  const std::string node = "node5.e2e";
  const std::string otherKey = [] {
    std::string fingerprint = "AB";
    for (int i = 1; i < 32; ++i) fingerprint += ":AB";
    return fingerprint;
  }();
  Call request =
      rpc(node, "provision", "request_certificate", {serverArg(), portArg(), "reset_ssl=true"});
  ASSERT_EQ(request.statuscode, 0) << request;
  EXPECT_EQ(request.data["ssl_clean"], "skipped") << "a fresh node has nothing to clean";
  const std::string key = request.data.value("key_fingerprint", "");
  ASSERT_EQ(key.size(), 95u) << request;
  EXPECT_EQ(request.data["request_key_fingerprint"], key);

  Call list = rpc(kMasterNode, "puppetca", "list", {}, "puppetca#list (key fingerprints)");
  Json pending;
  for (const auto& entry : list.data["requests"]) {
    if (entry["name"] == node) pending = entry;
  }
  ASSERT_TRUE(pending.is_object()) << list;
  EXPECT_EQ(pending["key_fingerprint"], key) << "the master reads the same key from its request";
  EXPECT_EQ(pending["fingerprint"], request.data["csr_fingerprint"]);
  Call matching =
      rpc(kMasterNode, "puppetca", "status", {"certname=" + node, "key_fingerprint=" + key});
  EXPECT_EQ(matching.data["key_matches"], true) << matching;
  Call other =
      rpc(kMasterNode, "puppetca", "status", {"certname=" + node, "key_fingerprint=" + otherKey});
  EXPECT_EQ(other.data["key_matches"], false) << other;

  Call refused =
      rpc(kMasterNode, "puppetca", "sign", {"certname=" + node, "key_fingerprint=" + otherKey},
          "puppetca#sign (key_mismatch)");
  EXPECT_EQ(refused.statuscode, 1) << refused;
  EXPECT_EQ(refused.data["outcome"], "key_mismatch") << refused;
  EXPECT_EQ(refused.data["key_fingerprint"], key);
  EXPECT_EQ(ca("status", node).data["state"], "requested") << "refused, not signed";
  Call cleaned = rpc(kMasterNode, "puppetca", "sign",
                     {"certname=" + node, "key_fingerprint=" + otherKey, "clean_mismatch=true"});
  EXPECT_EQ(cleaned.data["outcome"], "key_mismatch") << cleaned;
  EXPECT_EQ(cleaned.data["cleaned"], true);
  EXPECT_EQ(ca("status", node).data["state"], "missing");

  Call again =
      rpc(node, "provision", "request_certificate", {serverArg(), portArg(), "reset_ssl=true"});
  ASSERT_EQ(again.statuscode, 0) << again;
  EXPECT_EQ(again.data["ssl_clean"], "ran") << "the node holds a key: Puppet cleans it";
  const std::string newKey = again.data.value("key_fingerprint", "");
  EXPECT_NE(newKey, key);
  Call sign = rpc(kMasterNode, "puppetca", "sign",
                  {"certname=" + node, "key_fingerprint=" + newKey}, "puppetca#sign (key checked)");
  ASSERT_EQ(sign.statuscode, 0) << sign;
  EXPECT_EQ(sign.data["signed"], true);
  EXPECT_EQ(sign.data["key_fingerprint"], newKey);
  Call twice =
      rpc(kMasterNode, "puppetca", "sign", {"certname=" + node, "key_fingerprint=" + newKey});
  EXPECT_EQ(twice.data["already_signed"], true) << twice;
  Call signedStatus =
      rpc(kMasterNode, "puppetca", "status", {"certname=" + node, "key_fingerprint=" + newKey});
  EXPECT_EQ(signedStatus.data["state"], "signed");
  EXPECT_EQ(signedStatus.data["key_matches"], true) << "the certificate's key, read from the CA";
  Call run =
      rpc(node, "provision", "run_puppet", {"environment=production", serverArg(), portArg()});
  EXPECT_EQ(run.statuscode, 0) << run;
  Call local = rpc(node, "provision", "certificate_status");
  EXPECT_EQ(local.data["key_fingerprint"], newKey);
  EXPECT_EQ(local.data["matches_key"], true);
}

// The master's CA unreachable: a clear error, not "nothing to clean".
TEST_F(PuppetAgents, UnreachableCaIsAClearError) {
  // Run last: it stops the master (tests run in the order they are defined).
  master().stop();
  Call clean = ca("clean", "node1.e2e", "puppetca#clean (master down)");
  EXPECT_EQ(clean.statuscode, 1) << clean;
  EXPECT_THAT(clean.reply.value("statusmsg", ""), HasSubstr("cannot reach the CA")) << clean;
}

}  // namespace
}  // namespace drover::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new drover::e2e::MasterEnvironment);
  return RUN_ALL_TESTS();
}
