// drover-provisioner end to end: two real puppetservers in two regions (own CA each),
// a real broker, droverd masters hosting puppetca, droverd nodes each with its own root
// (hosts file, Puppet confdir and ssldir, provisioning record), and the provisioner
// running the shipped classic flow (etc/flows/classic.yaml). Nothing is stood in:
// certificates are really signed, both Puppet runs really leave marker files.
//
// The masters start once for the executable (25-55 s); the tests share one fleet and one
// provisioner and run in the order they are defined.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
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
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kProvisionTimeout = 300s;  // a handful of nodes through two Puppet runs each
constexpr const char* kNamingDomain = "e2e.test";

struct Region {
  const char* master;  // puppetserver certname, and identity of the droverd hosting puppetca
  const char* region;
  const char* country;
  const char* continent;
};
const Region kEu{"puppet-eu", "eu-west-1", "ie", "europe"};
const Region kUs{"puppet-us", "us-east-1", "us", "america"};

std::string readOrEmpty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// How many events say `node` was provisioned (via `master`, when given).
int provisionedEvents(const std::string& events, const std::string& node,
                      const std::string& master = "") {
  std::istringstream lines(events);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    Json event = Json::parse(line, nullptr, false);
    count += event.is_object() && event.value("event", "") == "provisioned" &&
             event.value("node", "") == node &&
             (master.empty() || event.value("master", "") == master);
  }
  return count;
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

// ---- the two masters ---------------------------------------------------------------

class MastersEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      for (const Region* r : {&kEu, &kUs}) {
        testing::PuppetMaster::Options options;
        options.name = r->master;
        options.region = r->region;
        masters_[r->master] = std::make_unique<testing::PuppetMaster>(options);
      }
      std::vector<testing::PuppetMaster*> all;
      for (auto& [name, master] : masters_) all.push_back(master.get());
      for (const auto& [name, error] : testing::startTogether(all)) error_ += error + "\n";
      for (auto& [name, m] : masters_) {
        std::printf("[ master   ] %s (%s) on 127.0.0.1:%d running after %.1f s, RSS %ld MiB\n",
                    name.c_str(), m->region().c_str(), m->port(),
                    static_cast<double>(m->startupTime().count()) / 1000.0, m->rssKib() / 1024);
      }
    } catch (const std::exception& e) {
      error_ += e.what();
    }
    if (!error_.empty()) masters_.clear();
  }
  void TearDown() override { masters_.clear(); }  // stops each by PID

  static testing::PuppetMaster* master(const std::string& name) {
    auto it = masters_.find(name);
    return it == masters_.end() ? nullptr : it->second.get();
  }
  static const std::string& error() { return error_; }

 private:
  static inline std::map<std::string, std::unique_ptr<testing::PuppetMaster>> masters_;
  static inline std::string error_;
};

// ---- the provisioner process ---------------------------------------------------------

class Provisioner {
 public:
  Provisioner(Fleet& fleet, const std::string& name,
              const fs::path& flowFile = fs::path(DROVER_SOURCE_DIR) / "etc/flows/classic.yaml",
              const std::string& lease = "60")
      : name_(name) {
    integration::Credentials creds = fleet.issue(name, security::Role::Provisioner);
    argv_ = {(fs::path(DROVER_BINARY_DIR) / "provisioner" / "drover-provisioner").string(),
             "--identity",
             name,
             "--security-ca-file",
             fleet.ca().certificateFile().string(),
             "--security-crl-file",
             fleet.ca().crlFile().string(),
             "--security-cert-file",
             creds.cert.string(),
             "--security-key-file",
             creds.key.string(),
             "--state-db",
             (dir_.path() / "state.db").string(),
             "--flow-file",
             flowFile.string(),
             "--master-facts",
             "region,country,continent",
             "--lease",
             lease,
             "--master-heartbeat-age",
             "10",
             "--recheck-interval",
             "2",
             "--metrics-listen",
             "127.0.0.1:" + std::to_string(testing::freePort()),
             "--events-file",
             events().string(),
             "--pid-file",
             (dir_.path() / "provisioner.pid").string(),
             "--log-level",
             "debug"};
    // Names: nodes of the naming test are named NAME.e2e.test, and a dead one's name is
    // free after the shortest silence allowed.
    argv_.insert(argv_.end(), {"--naming-domain", kNamingDomain, "--naming-release-after", "10"});
    auto bus = fleet.busFlags();
    argv_.insert(argv_.end(), bus.begin(), bus.end());
  }

  void start() {
    process_.reset();
    std::error_code ignored;
    fs::remove(dir_.path() / "provisioner.pid", ignored);
    process_.emplace(argv_, dir_.path() / "provisioner.log");
    bool up = testing::waitFor(
        [&] { return fs::exists(dir_.path() / "provisioner.pid") || !process_->running(); }, 20s);
    if (!up || !process_->running()) {
      throw std::runtime_error("drover-provisioner did not start:\n" + tail(log(), 40));
    }
  }
  void kill() { process_->kill(); }
  int stop() { return process_ ? process_->stop() : -1; }
  std::string log() const { return readOrEmpty(dir_.path() / "provisioner.log"); }
  fs::path events() const { return dir_.path() / "events.jsonl"; }
  const std::string& name() const { return name_; }
  const fs::path& dir() const { return dir_.path(); }

 private:
  std::string name_;
  testing::TempDir dir_;
  std::vector<std::string> argv_;
  std::optional<testing::Process> process_;
};

// A provisioner's node records by identity. A node it does not list yet reads as an
// empty record, so a poll made before the provisioner saw a node waits, not throws.
class NodeStatuses {
 public:
  const Json& operator[](const std::string& node) const {
    static const Json kNone = Json::object();
    auto it = nodes.find(node);
    return it == nodes.end() ? kNone : it->second;
  }
  std::size_t count(const std::string& node) const { return nodes.count(node); }
  auto find(const std::string& node) const { return nodes.find(node); }
  auto begin() const { return nodes.begin(); }
  auto end() const { return nodes.end(); }

  std::map<std::string, Json> nodes;  // every record an object
};

// ---- the suite ---------------------------------------------------------------------

class ProvisionerE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!master(kEu) || !master(kUs)) return;
    try {
      fleet_ = std::make_unique<Fleet>();
      fleet_->addNodes({masterSpec(kEu), masterSpec(kUs)});
      provisioner_ = std::make_unique<Provisioner>(*fleet_, "e2e.provisioner");
      provisioner_->start();
    } catch (const std::exception& e) {
      setupError_ = e.what();
      provisioner_.reset();
      fleet_.reset();
    }
  }

  static void TearDownTestSuite() {
    if (provisioner_) provisioner_->stop();
    provisioner_.reset();
    fleet_.reset();
    roots_.clear();
  }

  void SetUp() override {
    if (!master(kEu) || !master(kUs)) {
      GTEST_FAIL() << "the puppetservers did not start:\n" << MastersEnvironment::error();
    }
    if (!fleet_) GTEST_FAIL() << "fleet or provisioner did not start: " << setupError_;
  }

  static testing::PuppetMaster* master(const Region& r) {
    return MastersEnvironment::master(r.master);
  }

  // The master's droverd: hosts puppetca for its puppetserver and tells nodes how to reach it.
  static NodeSpec masterSpec(const Region& r) {
    testing::PuppetMaster& m = *master(r);
    auto root = std::make_unique<testing::TempDir>();
    NodeSpec spec;
    spec.identity = r.master;
    spec.facts = regionFacts(r) + "fqdn: " + m.name() + "\npuppet_address: " + m.address() +
                 "\npuppet_server: " + m.address() + "\npuppet_port: " + std::to_string(m.port()) +
                 "\n";
    // Frequent heartbeats: a master that goes away is noticed within --master-heartbeat-age.
    spec.extraArgs = {"--puppetserver-config", m.puppetConf().string(),   "--root",
                      root->path().string(),   "--registration-interval", "2"};
    roots_[r.master] = std::move(root);
    return spec;
  }

  static std::string regionFacts(const Region& r) {
    return std::string("region: ") + r.region + "\ncountry: " + r.country +
           "\ncontinent: " + r.continent + "\n";
  }

  // A bare node: nothing under its root but a hosts file and Puppet's settings.
  static void writeBareRoot(const std::string& identity) {
    const fs::path root = roots_.at(identity)->path();
    fs::create_directories(root / "etc");
    util::writeFileAtomically(root / "etc/hosts", "127.0.0.1 localhost\n");
    testing::writeNodePuppetConfig(root, {{"marker_dir", (root / "var/markers").string()}},
                                   {{"certname", identity}});
  }

  static NodeSpec nodeSpec(const std::string& identity, const Region& r) {
    roots_[identity] = std::make_unique<testing::TempDir>();
    writeBareRoot(identity);
    NodeSpec spec;
    spec.identity = identity;
    spec.facts = regionFacts(r);
    spec.extraArgs = {"--root",      root(identity).string(), "--puppet-confdir",
                      "/etc/puppet", "--hosts-file",          "/etc/hosts"};
    return spec;
  }

  static fs::path root(const std::string& node) { return roots_.at(node)->path(); }
  static Fleet& fleet() { return *fleet_; }
  static Provisioner& provisioner() { return *provisioner_; }

  static std::string marker(const std::string& node, const std::string& environment) {
    return readOrEmpty(root(node) / "var/markers" / (node + "." + environment + ".marker"));
  }

  static std::string expectedMarker(const std::string& node, const std::string& environment,
                                    const Region& r) {
    return "certname=" + node + "\nenvironment=" + environment + "\nmaster=" + r.master + "\n";
  }

  /// `drover provision status --json`: identity -> node record, as the suite's
  /// provisioner (or the one named) sees it.
  static NodeStatuses statusByNode(const std::string& from = "") {
    Result r = fleet().drover({"provision", "status", "--json"});
    Json doc = Json::parse(r.out, nullptr, false);
    NodeStatuses out;
    if (!doc.is_object() || !doc.contains("replies")) return out;
    const std::string sender = from.empty() ? provisioner().name() : from;
    for (const auto& reply : doc["replies"]) {
      if (reply.value("sender", "") != sender) continue;
      if (!reply.contains("data") || !reply["data"].contains("nodes")) continue;
      for (const auto& node : reply["data"]["nodes"]) {
        if (node.is_object()) out.nodes[node.value("identity", "")] = node;
      }
    }
    return out;
  }

  /// Waits until every node is provisioned by `master`: empty, or what went wrong.
  static std::string waitProvisioned(const std::map<std::string, std::string>& masterOf,
                                     std::chrono::seconds timeout = kProvisionTimeout,
                                     const std::string& by = "") {
    NodeStatuses last;
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      last = statusByNode(by);
      bool all = true;
      for (const auto& [node, m] : masterOf) {
        auto it = last.find(node);
        if (it == last.end()) {
          all = false;
          continue;
        }
        const Json& rec = it->second;
        if (rec.value("state", "") == "failed") {
          return node + " failed: " + rec.dump(2) + "\n" + history(node);
        }
        if (rec.value("state", "") != "provisioned" || rec.value("master", "") != m ||
            marker(node, "production").empty()) {
          all = false;
        }
      }
      if (all) return "";
      std::this_thread::sleep_for(1s);
    }
    std::string why = "not every node provisioned within " + std::to_string(timeout.count()) +
                      " s; last status:\n";
    for (const auto& [node, m] : masterOf) {
      why += "  " + node + " (want " + m +
             "): " + (last.count(node) ? last[node].dump() : "unknown") + "\n";
    }
    return why;
  }

  static std::string history(const std::string& node) {
    Result r = fleet().drover({"provision", "history", node});
    return "$ drover provision history " + node + "\n" + r.out + r.err;
  }

  /// puppetca#status on a master's droverd: requested, signed, revoked or missing.
  static std::string caState(const Region& r, const std::string& certname) {
    Result res = fleet().drover(
        {"rpc", "puppetca", "status", "certname=" + certname, "-I", r.master, "--json"});
    Json doc = Json::parse(res.out, nullptr, false);
    if (!doc.is_object() || doc["replies"].size() != 1) return "no reply: " + res.out + res.err;
    return doc["replies"][0]["data"].value("state", "?");
  }

  /// Certificates a master's CA ever signed for `certname` (its inventory, one line each).
  static int timesSigned(const Region& r, const std::string& certname) {
    std::istringstream inventory(readOrEmpty(master(r)->dir() / "ca" / "inventory.txt"));
    std::string line;
    int count = 0;
    const std::string subject = " /CN=" + certname;
    while (std::getline(inventory, line)) {
      if (line.size() >= subject.size() &&
          line.compare(line.size() - subject.size(), subject.size(), subject) == 0) {
        ++count;
      }
    }
    return count;
  }

  /// provision#certificate_status on a node: the fingerprint of the key it holds now.
  static std::string nodeKey(const std::string& node) {
    Result res = fleet().drover({"rpc", "provision", "certificate_status", "-I", node, "--json"});
    Json doc = Json::parse(res.out, nullptr, false);
    if (!doc.is_object() || doc["replies"].size() != 1) return "no reply: " + res.out + res.err;
    return doc["replies"][0]["data"].value("key_fingerprint", "");
  }

  /// puppetca#status with that key: whether the master's certificate carries it.
  static bool caHoldsKey(const Region& r, const std::string& certname, const std::string& key) {
    Result res = fleet().drover({"rpc", "puppetca", "status", "certname=" + certname,
                                 "key_fingerprint=" + key, "-I", r.master, "--json"});
    Json doc = Json::parse(res.out, nullptr, false);
    if (!doc.is_object() || doc["replies"].size() != 1) return false;
    return doc["replies"][0]["data"].value("key_matches", false);
  }

  /// The node's step attempts as its provisioner recorded them (oldest first).
  static Json attempts(const std::string& node) {
    Result r = fleet().drover({"provision", "history", node, "--limit", "1000", "--json"});
    Json doc = Json::parse(r.out, nullptr, false);
    if (!doc.is_object() || !doc.contains("replies")) return Json::array();
    for (const auto& reply : doc["replies"]) {
      if (reply.value("sender", "") == provisioner().name() && reply.contains("data")) {
        return reply["data"].value("attempts", Json::array());
      }
    }
    return Json::array();
  }

  /// Everything that explains a failure: provisioner log and events, droverd logs, masters.
  static std::string logs() {
    return "==== drover-provisioner ====\n" + tail(provisioner().log(), 60) + "==== events ====\n" +
           readOrEmpty(provisioner().events()) + fleet().logs() + "\n==== " + kEu.master +
           " ====\n" + master(kEu)->logs() + "\n==== " + kUs.master + " ====\n" +
           master(kUs)->logs();
  }

  /// Signed by its own master once, never by the other; both runs left their marker.
  static void expectProvisionedBy(const std::string& node, const Region& own, const Region& other) {
    EXPECT_EQ(caState(own, node), "signed") << node;
    EXPECT_EQ(timesSigned(own, node), 1) << node << " signed more than once by " << own.master;
    EXPECT_EQ(caState(other, node), "missing") << node;
    EXPECT_EQ(timesSigned(other, node), 0) << node << " signed by " << other.master;
    for (const std::string env : {"bootstrap", "production"}) {
      EXPECT_EQ(marker(node, env), expectedMarker(node, env, own)) << node;
    }
    // The same key, read by the node from its private key and by puppetca from the CA.
    EXPECT_TRUE(caHoldsKey(own, node, nodeKey(node)))
        << node << ": the certificate on " << own.master << " is not for the node's key";
  }

  // A bare node declaring an iterative service (`cache`): named cache-N by the flow. Its
  // hostname is left alone (it shares the machine's), <root>/etc/hostname is written. It
  // registers every 3 s: a live node keeps its name through the provisioners'
  // --naming-release-after of 10 s, as one registering every 5 minutes does through
  // the default of 10 minutes.
  static NodeSpec namedNodeSpec(const std::string& identity, const Region& r,
                                const std::string& service = "cache") {
    NodeSpec spec = nodeSpec(identity, r);
    spec.extraArgs.insert(spec.extraArgs.end(),
                          {"--naming-service", service, "--naming-set-hostname", "false",
                           "--registration-interval", "3"});
    return spec;
  }

  static std::string markerOf(const std::string& node, const std::string& certname,
                              const std::string& environment) {
    return readOrEmpty(root(node) / "var/markers" / (certname + "." + environment + ".marker"));
  }

  /// Waits until `node` is provisioned by `r`'s master under `certname`: empty, or why not.
  static std::string waitProvisionedAs(const std::string& node, const std::string& certname,
                                       const Region& r) {
    Json last;
    bool done = testing::waitFor(
        [&] {
          last = statusByNode()[node];
          return last.value("state", "") == "failed" ||
                 (last.value("state", "") == "provisioned" &&
                  last.value("master", "") == r.master &&
                  !markerOf(node, certname, "production").empty());
        },
        kProvisionTimeout);
    if (done && last.value("state", "") != "failed") return "";
    return node + " not provisioned by " + r.master + " as " + certname + ": " + last.dump(2) +
           "\n" + history(node);
  }

  /// Waits until the provisioner's history of `name` ends in its release.
  static bool waitReleased(const std::string& name) {
    zmq::context_t context(1);
    rpc::Client admin(context, fleet().endpoints(), "", "drover", 5000ms, bus::ConnectionOptions{},
                      fleet().adminSecurity());
    rpc::CallSpec call;
    call.agent = "provisioner";
    call.action = "name_show";
    call.args = {{"name", name}};
    call.nodes = std::vector<std::string>{provisioner().name()};
    call.replier = security::Role::Provisioner;
    return testing::waitFor(
        [&] {
          rpc::CallResult result = admin.call(call);
          if (result.replies.size() != 1) return false;
          const Json& rows = result.replies.front().data["history"];
          return !rows.empty() && rows.back().value("kind", "") == "released";
        },
        60s);
  }

 protected:
  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::unique_ptr<Provisioner> provisioner_;
  static inline std::string setupError_;
  static inline std::map<std::string, std::unique_ptr<testing::TempDir>> roots_;
};

// ---- two provisioners on a NATS cluster ------------------------------------------------

// The same two masters; the fleet on three routed nats-servers with JetStream, and two
// provisioners that share their names through the cluster's key-value bucket (what
// naming.ledger auto chooses on NATS) and claim nodes with a 15 s lease. Defined before
// ProvisionerE2E's tests so that it runs first, while both masters are up.
class HighlyAvailableE2E : public ProvisionerE2E {
 protected:
  static void SetUpTestSuite() {
    if (!master(kEu) || !master(kUs)) return;
    try {
      integration::FleetOptions options;
      options.transport = bus::TransportKind::Nats;
      options.natsServers = 3;
      fleet_ = std::make_unique<Fleet>(options);
      fleet_->addNodes({masterSpec(kEu), masterSpec(kUs)});
      fs::path flow = fs::path(DROVER_SOURCE_DIR) / "etc/flows/classic.yaml";
      provisioner_ = std::make_unique<Provisioner>(*fleet_, "ha-a.provisioner", flow, "15");
      second_ = std::make_unique<Provisioner>(*fleet_, "ha-b.provisioner", flow, "15");
      provisioner_->start();
      second_->start();
    } catch (const std::exception& e) {
      setupError_ = e.what();
      second_.reset();
      provisioner_.reset();
      fleet_.reset();
    }
  }

  static void TearDownTestSuite() {
    if (second_) second_->stop();
    second_.reset();
    ProvisionerE2E::TearDownTestSuite();
  }

  /// name -> node, as `who` lists its names (drover name list).
  static std::map<std::string, std::string> namesBy(const std::string& who) {
    Result r = fleet().drover({"name", "list", "--json"});
    Json doc = Json::parse(r.out, nullptr, false);
    std::map<std::string, std::string> out;
    if (!doc.is_object() || !doc.contains("replies")) return out;
    for (const auto& reply : doc["replies"]) {
      if (reply.value("sender", "") != who || !reply.contains("data")) continue;
      for (const auto& h : reply["data"].value("names", Json::array()))
        out[h.value("name", "")] = h.value("node", "");
    }
    return out;
  }

  static int running(const std::string& who) {
    int count = 0;
    for (const auto& [node, record] : statusByNode(who))
      count += record.value("state", "") == "running";
    return count;
  }

  /// The files in `dir`, or why there are none.
  static std::string listing(const fs::path& dir) {
    std::error_code error;
    std::string out;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      out += " " + entry.path().filename().string();
    }
    return error ? dir.string() + ": " + error.message() : out;
  }

  static inline std::unique_ptr<Provisioner> second_;
};

// Both provisioners take the new nodes between them. Once a certificate is signed, the
// one with more nodes in flight is SIGKILLed; the other takes them over when their
// claims' leases run out. Every node ends provisioned under a name of its own, signed
// once by its own master and never by the other; the killed provisioner, started
// again, reads the same names from the bucket.
TEST_F(HighlyAvailableE2E, AProvisionerKilledMidFlowLeavesItsNodesToTheOtherSignedOnceNamedOnce) {
  const std::map<std::string, const Region*> regionOf{
      {"ha-eu-1.e2e", &kEu}, {"ha-eu-2.e2e", &kEu}, {"ha-us-1.e2e", &kUs}, {"ha-us-2.e2e", &kUs}};
  std::vector<NodeSpec> specs;
  // Their own service: the masters' CA outlives the suite, and the naming test below
  // counts the signatures of cache-0.
  for (const auto& [node, r] : regionOf) specs.push_back(namedNodeSpec(node, *r, "store"));
  fleet().addNodes(specs);

  // Kill once a certificate is signed, with nodes still in flight.
  std::map<std::string, std::string> named;  // name -> node, as the bucket has them
  bool underway = testing::waitFor(
      [&] {
        named = namesBy(provisioner().name());
        for (const auto& [name, node] : named) {
          const Region& r = *regionOf.at(node);
          if (timesSigned(r, name + "." + kNamingDomain) > 0) return true;
        }
        return false;
      },
      kProvisionTimeout);
  ASSERT_TRUE(underway) << "no node was signed\n" << logs() << tail(second_->log(), 60);
  bool firstHasMore = running(provisioner().name()) >= running(second_->name());
  Provisioner& victim = firstHasMore ? provisioner() : *second_;
  Provisioner& survivor = firstHasMore ? *second_ : provisioner();
  int inFlight = running(victim.name());
  victim.kill();
  std::printf("[ killed   ] %s with %d node(s) in flight\n%s", victim.name().c_str(), inFlight,
              fleet().drover({"provision", "status"}).out.c_str());

  std::string failed;
  bool done = testing::waitFor(
      [&] {
        auto status = statusByNode(survivor.name());
        bool all = true;
        for (const auto& [node, r] : regionOf) {
          std::string state = status[node].value("state", "");
          if (state == "failed") failed = node + ": " + status[node].dump(2) + "\n" + history(node);
          all = all && state == "provisioned" && status[node].value("master", "") == r->master;
        }
        return all || !failed.empty();
      },
      kProvisionTimeout);
  ASSERT_EQ(failed, "") << tail(survivor.log(), 80);
  ASSERT_TRUE(done) << tail(survivor.log(), 80) << tail(victim.log(), 40);

  std::map<std::string, std::string> names = namesBy(survivor.name());
  std::set<std::string> holders;
  for (const auto& [name, node] : names) {
    EXPECT_TRUE(holders.insert(node).second) << node << " holds two names";
  }
  EXPECT_EQ(names.size(), regionOf.size());
  std::string eventsBoth = readOrEmpty(victim.events()) + readOrEmpty(survivor.events());
  for (const auto& [name, node] : names) {
    ASSERT_TRUE(regionOf.count(node)) << name << " held by " << node;
    const Region& own = *regionOf.at(node);
    const Region& other = &own == &kEu ? kUs : kEu;
    const std::string certname = name + "." + kNamingDomain;
    EXPECT_EQ(timesSigned(own, certname), 1) << certname << " signed more than once";
    EXPECT_EQ(timesSigned(other, certname), 0) << certname << " signed by " << other.master;
    EXPECT_NE(markerOf(node, certname, "production"), "")
        << node << " as " << certname << "; markers: " << listing(root(node) / "var/markers")
        << "\n"
        << history(node);
    EXPECT_EQ(provisionedEvents(eventsBoth, node), 1) << node;
  }
  EXPECT_EQ(names.begin()->first, "store-0");
  EXPECT_EQ(names.rbegin()->first, "store-3");
  if (inFlight > 0) {
    EXPECT_THAT(survivor.log(), HasSubstr("claim taken over from " + victim.name()));
  }
  std::istringstream lines(survivor.log());
  for (std::string line; std::getline(lines, line);) {
    if (line.find("taken over") != std::string::npos) std::printf("%s\n", line.c_str());
  }

  victim.start();
  EXPECT_TRUE(testing::waitFor([&] { return namesBy(victim.name()) == names; }, 60s))
      << "after a restart " << victim.name() << " lists other names\n"
      << tail(victim.log(), 60);
}

TEST_F(ProvisionerE2E, NodesInTwoRegionsAreSignedByTheirRegionalMasterAndRunPuppetTwice) {
  const std::map<std::string, std::string> want{{"web-eu-1.e2e", kEu.master},
                                                {"web-eu-2.e2e", kEu.master},
                                                {"web-us-1.e2e", kUs.master},
                                                {"web-us-2.e2e", kUs.master}};
  std::vector<NodeSpec> specs;
  for (const auto& [node, m] : want) specs.push_back(nodeSpec(node, m == kEu.master ? kEu : kUs));
  auto started = Clock::now();
  fleet().addNodes(specs);
  std::string failure = waitProvisioned(want);
  ASSERT_EQ(failure, "") << logs();
  std::printf("[ timing   ] 4 nodes in two regions provisioned in %.1f s\n",
              std::chrono::duration<double>(Clock::now() - started).count());

  for (const auto& [node, m] : want) {
    bool eu = m == kEu.master;
    expectProvisionedBy(node, eu ? kEu : kUs, eu ? kUs : kEu);
  }
  Result status = fleet().drover({"provision", "status", "--all"});
  ASSERT_EQ(status.exitCode, 0) << status;
  for (const auto& [node, m] : want) {
    EXPECT_THAT(status.out, ::testing::ContainsRegex(node + " +provisioned .*" + m)) << status;
  }
  // The notifiers write from a queue: the last line may follow the status by a moment.
  auto provisionedVia = [&](const std::string& node, const std::string& m) {
    return provisionedEvents(readOrEmpty(provisioner().events()), node, m) == 1;
  };
  for (const auto& [node, m] : want) {
    EXPECT_TRUE(testing::waitFor([&] { return provisionedVia(node, m); }, 20s))
        << node << " via " << m << "\n"
        << readOrEmpty(provisioner().events());
  }

  // The nodes' replies said what the Puppet programs took: every step that runs one has
  // that time, within the step's own, so the rest of it is known to be Drover's.
  const std::set<std::string> runsPuppet{"clean", "request_certificate", "sign", "bootstrap_run",
                                         "production_run"};
  for (const auto& [node, m] : want) {
    std::int64_t took = 0, inPrograms = 0;
    for (const auto& row : attempts(node)) {
      const std::string step = row.value("step", "");
      const std::int64_t wall =
          row.value("finished_ms", std::int64_t{0}) - row.value("started_ms", std::int64_t{0});
      const std::int64_t programs = row.value("program_ms", std::int64_t{0});
      if (runsPuppet.count(step) != 0) EXPECT_GT(programs, 0) << node << " " << row.dump();
      EXPECT_LE(programs, row.value("agent_ms", std::int64_t{0})) << node << " " << row.dump();
      EXPECT_LE(programs, wall + 1) << node << " " << row.dump();  // each rounded to the ms
      took += wall;
      inPrograms += programs;
    }
    std::printf("[ timing   ] %s: attempts %.1f s, Puppet's programs %.1f s, the rest %.2f s\n",
                node.c_str(), static_cast<double>(took) / 1000.0,
                static_cast<double>(inPrograms) / 1000.0,
                static_cast<double>(took - inPrograms) / 1000.0);
  }
}

// A host is retired and its name reused by a new one in the other region: the old
// certificate on the first master must go, or it blocks nothing here but lingers, and a
// later move back would be refused ("already has a signed certificate").
TEST_F(ProvisionerE2E, ReusedHostnameHasItsOldCertificateCleanedOnEveryMaster) {
  const std::string node = "web-us-2.e2e";
  ASSERT_EQ(caState(kUs, node), "signed") << "the previous test provisions " << node;
  integration::Node& droverd = fleet().node(node);
  droverd.stop();
  // The new host: a fresh disk, in Europe.
  fs::remove_all(root(node));
  fs::create_directories(root(node));
  writeBareRoot(node);
  util::writeFileAtomically(droverd.factsFile(), regionFacts(kEu));
  droverd.start();
  droverd.waitReady(15s);

  std::string failure = waitProvisioned({{node, kEu.master}});
  ASSERT_EQ(failure, "") << logs();
  EXPECT_EQ(caState(kUs, node), "missing") << "the retired host's certificate was not cleaned";
  EXPECT_EQ(timesSigned(kUs, node), 1) << "only the retired host's certificate, long ago";
  EXPECT_EQ(caState(kEu, node), "signed");
  EXPECT_EQ(timesSigned(kEu, node), 1);
  for (const std::string env : {"bootstrap", "production"}) {
    EXPECT_EQ(marker(node, env), expectedMarker(node, env, kEu));
  }
}

// SIGKILL at a random-ish moment once certificates are being signed; the restarted
// provisioner resumes from its SQLite state: every node finishes, none is signed twice.
// A call the killed provisioner left running on a node (a certificate request, say) may
// still be under way when the restarted one repeats it: the node serializes them, and a
// request the master holds for an earlier key is cleaned and made again, never signed.
TEST_F(ProvisionerE2E, KilledMidFlowAndRestartedFinishesEveryNodeOnce) {
  const std::map<std::string, std::string> want{{"db-eu-1.e2e", kEu.master},
                                                {"db-eu-2.e2e", kEu.master},
                                                {"db-us-1.e2e", kUs.master},
                                                {"db-us-2.e2e", kUs.master}};
  std::vector<NodeSpec> specs;
  for (const auto& [node, m] : want) specs.push_back(nodeSpec(node, m == kEu.master ? kEu : kUs));
  fleet().addNodes(specs);

  // Kill once a node has reached signing or beyond, while some are still on their way.
  NodeStatuses atKill;
  bool midFlow = testing::waitFor(
      [&] {
        atKill = statusByNode();
        for (const auto& [node, m] : want) {
          if (!atKill.count(node)) continue;
          std::string step = atKill[node].value("step", "");
          if (step == "sign" || step == "bootstrap_run") return true;
        }
        return false;
      },
      kProvisionTimeout);
  ASSERT_TRUE(midFlow) << "no node reached signing\n" << logs();
  provisioner().kill();
  int finished = 0;
  std::string states;
  for (const auto& [node, m] : want) {
    finished += marker(node, "production").empty() ? 0 : 1;
    states += "  " + node + ": " + (atKill.count(node) ? atKill[node].dump() : "unknown") + "\n";
  }
  std::printf("[ killed   ] drover-provisioner SIGKILLed with:\n%s", states.c_str());
  ASSERT_LT(finished, 4) << "killed too late to test anything";

  provisioner().start();
  std::string failure = waitProvisioned(want);
  ASSERT_EQ(failure, "") << logs();
  for (const auto& [node, m] : want) {
    bool eu = m == kEu.master;
    expectProvisionedBy(node, eu ? kEu : kUs, eu ? kUs : kEu);
  }
  EXPECT_THAT(provisioner().log(), HasSubstr("resumed")) << tail(provisioner().log(), 60);
}

// Steps of the classic flow in order, to tell whether a node is past one.
const std::vector<std::string> kClassicSteps{
    "assign_name", "pick_master",   "set_puppet_server", "clean", "request_certificate",
    "sign",        "bootstrap_run", "production_run",    "notify"};

std::size_t stepIndex(const std::string& step) {
  return static_cast<std::size_t>(std::find(kClassicSteps.begin(), kClassicSteps.end(), step) -
                                  kClassicSteps.begin());
}

// DROVER_E2E_KILLS: how many times the next test kills the provisioner (default 6).
int killsWanted() {
  const char* text = std::getenv("DROVER_E2E_KILLS");
  return text != nullptr && *text != '\0' ? std::atoi(text) : 6;
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The provisioner SIGKILLed again and again, each time at another step of the flow and
// each time restarted on the same state database: DROVER_E2E_KILLS kills (0 gives the
// same run without any, to compare). A kill comes once the running provisioner has
// itself moved a node into the step. Every node ends provisioned, its certificate signed
// exactly once (the CA's inventory) for the key the node holds, and no Puppet run of
// the flow failed (a certificate for a key the node no longer holds fails its run).
TEST_F(ProvisionerE2E, RepeatedKillsAtEveryStepSignEachNodeOnceWithNoFailedRun) {
  const int kills = killsWanted();
  std::map<std::string, std::string> want;
  std::vector<NodeSpec> specs;
  for (int i = 1; i <= 4; ++i) {
    for (const Region* r : {&kEu, &kUs}) {
      std::string node =
          std::string("chaos-") + (r == &kEu ? "eu" : "us") + "-" + std::to_string(i) + ".e2e";
      want[node] = r->master;
      specs.push_back(nodeSpec(node, *r));
    }
  }
  const std::vector<std::string> plan{"clean", "request_certificate", "request_certificate",
                                      "sign",  "bootstrap_run",       "production_run"};
  auto started = Clock::now();
  std::int64_t upSinceMs = nowMs();
  fleet().addNodes(specs);
  std::vector<std::string> killed;
  for (int k = 0; k < kills; ++k) {
    const std::string& step = plan[static_cast<std::size_t>(k) % plan.size()];
    std::string victim;
    bool atStep = testing::waitFor(
        [&] {
          bool allPast = true;
          auto status = statusByNode();
          for (const auto& [node, m] : want) {
            const Json& rec = status[node];  // null while the provisioner has not seen it
            if (rec.is_object() && rec.value("state", "") == "provisioned") continue;
            std::string at = rec.is_object() ? rec.value("step", "") : "";
            if (!rec.is_object() || stepIndex(at) <= stepIndex(step)) allPast = false;
            if (at == step && rec.value("updated_ms", std::int64_t{0}) >= upSinceMs) victim = node;
          }
          return !victim.empty() || allPast;
        },
        kProvisionTimeout);
    if (!atStep || victim.empty()) continue;  // every node is past this step already
    provisioner().kill();
    killed.push_back(
        step + " (" + victim + ", " +
        std::to_string(std::chrono::duration<double>(Clock::now() - started).count()).substr(0, 5) +
        " s)");
    upSinceMs = nowMs();
    provisioner().start();
  }
  std::string failure = waitProvisioned(want);
  double total = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_EQ(failure, "") << logs();

  std::printf("[ kills    ] %zu node(s), %zu of %d kill(s), all provisioned in %.1f s\n",
              want.size(), killed.size(), kills, total);
  for (const auto& at : killed) std::printf("[ kills    ]   SIGKILL at %s\n", at.c_str());
  if (kills > 0) {
    EXPECT_FALSE(killed.empty()) << "no kill landed on a step";
  }
  for (const auto& [node, m] : want) {
    bool eu = m == kEu.master;
    expectProvisionedBy(node, eu ? kEu : kUs, eu ? kUs : kEu);
    int redos = 0, badRuns = 0;
    for (const auto& row : attempts(node)) {
      std::string step = row.value("step", ""), outcome = row.value("outcome", "");
      redos += outcome == "redo" ? 1 : 0;
      if (outcome == "retry" || outcome == "redo" || outcome == "not_done") {
        std::printf("[ kills    ]   %s %s %s: %s %s\n", node.c_str(), step.c_str(), outcome.c_str(),
                    row.value("error", "").substr(0, 300).c_str(),
                    row.value("data", Json::object()).dump().substr(0, 400).c_str());
      }
      bool run = step == "bootstrap_run" || step == "production_run";
      if (run && outcome != "done" && outcome != "interrupted") {
        ++badRuns;
        ADD_FAILURE() << node << ": a Puppet run of the flow failed: " << row.dump();
      }
    }
    std::printf("[ kills    ] %-16s signed %d time(s) by %s, %d redo(s), %d failed run(s)\n",
                node.c_str(), timesSigned(eu ? kEu : kUs, node) + timesSigned(eu ? kUs : kEu, node),
                m.c_str(), redos, badRuns);
  }
  // Why a node went back, if one did (a request for an earlier key, cleaned).
  std::istringstream log(provisioner().log());
  for (std::string line; std::getline(log, line);) {
    bool back = line.find("goes back to step") != std::string::npos;
    if (back && line.find("chaos-") != std::string::npos) {
      std::printf("[ kills    ]   %s\n", line.substr(0, 400).c_str());
    }
  }
}

// Two provisioners see the same new nodes at the same moment. Each node is claimed by
// one of them and provisioned once: one signature, one "provisioned" event across both;
// the other leaves it alone (claimed elsewhere, then found already provisioned).
TEST_F(ProvisionerE2E, TwoProvisionersRacingProvisionEachNodeOnce) {
  Provisioner second(fleet(), "e2e-b.provisioner");
  second.start();
  // Up and working: it has found an earlier test's node already provisioned.
  bool settled = testing::waitFor(
      [&] {
        return statusByNode(second.name())["web-eu-1.e2e"].value("state", "") == "provisioned";
      },
      60s);
  ASSERT_TRUE(settled) << tail(second.log(), 60);

  const std::map<std::string, std::string> want{{"race-eu-1.e2e", kEu.master},
                                                {"race-eu-2.e2e", kEu.master},
                                                {"race-us-1.e2e", kUs.master},
                                                {"race-us-2.e2e", kUs.master}};
  std::vector<NodeSpec> specs;
  for (const auto& [node, m] : want) specs.push_back(nodeSpec(node, m == kEu.master ? kEu : kUs));
  fleet().addNodes(specs);

  std::string failure = waitProvisioned(want);  // whoever did it, markers and CA agree
  ASSERT_EQ(failure, "") << logs() << "==== " << second.name() << " ====\n"
                         << tail(second.log(), 60);
  bool bothKnow = testing::waitFor(
      [&] {
        for (const std::string& who : {provisioner().name(), second.name()}) {
          auto status = statusByNode(who);
          for (const auto& [node, m] : want) {
            if (status[node].value("state", "") != "provisioned") return false;
          }
        }
        return true;
      },
      60s);
  EXPECT_TRUE(bothKnow) << "the other provisioner did not see every node provisioned\n"
                        << tail(second.log(), 60);

  std::string eventsA = readOrEmpty(provisioner().events());
  std::string eventsB = readOrEmpty(second.events());
  int byA = 0, byB = 0;
  for (const auto& [node, m] : want) {
    int a = provisionedEvents(eventsA, node), b = provisionedEvents(eventsB, node);
    EXPECT_EQ(a + b, 1) << node << ": provisioned " << a << " time(s) by " << provisioner().name()
                        << " and " << b << " by " << second.name();
    byA += a;
    byB += b;
    bool eu = m == kEu.master;
    expectProvisionedBy(node, eu ? kEu : kUs, eu ? kUs : kEu);
  }
  std::printf("[ race     ] %d node(s) provisioned by %s, %d by %s\n", byA,
              provisioner().name().c_str(), byB, second.name().c_str());
  EXPECT_EQ(second.stop(), 0) << tail(second.log(), 60);
}

// A master hangs (its JVM frozen with SIGSTOP) when a node's flow calls it: the call
// times out, the step is retried after its backoff, and once the master answers again
// the node goes on to the end, signed once. The flow is the classic one with 12 s
// master calls instead of 60 s, so the test waits seconds, not minutes.
TEST_F(ProvisionerE2E, AStepTimingOutOnAHungMasterIsRetriedAndTheNodeFinishes) {
  std::string flow = readOrEmpty(fs::path(DROVER_SOURCE_DIR) / "etc/flows/classic.yaml");
  std::size_t replaced = 0;
  for (std::size_t at; (at = flow.find("timeout: 60s")) != std::string::npos; ++replaced) {
    flow.replace(at, 12, "timeout: 12s");
  }
  ASSERT_GE(replaced, 2u) << "classic.yaml no longer has 60 s master calls";
  testing::TempDir flowDir;
  util::writeFileAtomically(flowDir.path() / "short-master-calls.yaml", flow);

  provisioner().stop();  // back after this test
  Provisioner shortFuse(fleet(), "e2e-c.provisioner", flowDir.path() / "short-master-calls.yaml");
  shortFuse.start();
  testing::PuppetMaster& us = *master(kUs);
  struct Thaw {
    pid_t pid;
    ~Thaw() { ::kill(pid, SIGCONT); }
  } thaw{us.pid()};
  ASSERT_EQ(::kill(us.pid(), SIGSTOP), 0);

  const std::string node = "slow-us-1.e2e";
  fleet().addNodes({nodeSpec(node, kUs)});
  // The first call to the frozen master: `clean`, on every master.
  std::string seen, retried;
  bool timedOut = testing::waitFor(
      [&] {
        seen = history(node);
        std::istringstream lines(seen);
        for (std::string line; std::getline(lines, line);) {
          if (line.find(" clean ") != std::string::npos &&
              line.find(" retry ") != std::string::npos) {
            retried = line;
            return true;
          }
        }
        return false;
      },
      90s);
  ::kill(us.pid(), SIGCONT);
  ASSERT_TRUE(timedOut) << "no timed-out attempt of clean\n" << seen << tail(shortFuse.log(), 60);
  // Silence, or the node's own deadline on `puppetserver ca`: either way the master's fault.
  EXPECT_THAT(retried, HasSubstr(std::string(kUs.master) + ":")) << seen;

  std::string failure = waitProvisioned({{node, kUs.master}}, kProvisionTimeout, shortFuse.name());
  ASSERT_EQ(failure, "") << tail(shortFuse.log(), 80) << logs();
  expectProvisionedBy(node, kUs, kEu);
  std::printf("%s", history(node).c_str());
  EXPECT_EQ(shortFuse.stop(), 0);
  provisioner().start();
}

// A host of a named service dies; once naming.release_after passed without a word from
// it, its name is free and the next host of the service, in the other region, takes it.
// The classic flow's certname is the name's fqdn, so the dead host's certificate under
// it is cleaned on every master and the new host is signed under it by its own master.
// The nodes run in the machine's namespaces: they write <root>/etc/hostname only.
TEST_F(ProvisionerE2E, ANodeTakingAReleasedNameHasTheOldCertificateCleanedAndIsSignedUnderIt) {
  const std::string name = "cache-0";
  const std::string certname = name + "." + kNamingDomain;
  fleet().addNode(namedNodeSpec("cache-a.e2e", kUs));
  ASSERT_EQ(waitProvisionedAs("cache-a.e2e", certname, kUs), "") << logs();
  ASSERT_EQ(caState(kUs, certname), "signed");
  fleet().node("cache-a.e2e").kill();
  ASSERT_TRUE(waitReleased(name)) << logs();

  fleet().addNode(namedNodeSpec("cache-b.e2e", kEu));
  ASSERT_EQ(waitProvisionedAs("cache-b.e2e", certname, kEu), "") << logs();
  EXPECT_EQ(caState(kUs, certname), "missing") << "the dead host's certificate was not cleaned";
  EXPECT_EQ(timesSigned(kUs, certname), 1) << "only the dead host's certificate, before";
  EXPECT_EQ(caState(kEu, certname), "signed");
  EXPECT_EQ(timesSigned(kEu, certname), 1);
  EXPECT_TRUE(caHoldsKey(kEu, certname, nodeKey("cache-b.e2e")));
  EXPECT_EQ(readOrEmpty(root("cache-b.e2e") / "etc/hostname"), name + "\n");
  for (const std::string env : {"bootstrap", "production"}) {
    EXPECT_EQ(markerOf("cache-b.e2e", certname, env), expectedMarker(certname, env, kEu));
  }
}

// The master of a region goes away for good mid-flow (its droverd and its puppetserver
// stop): its nodes go to the other region's master and are cleaned, signed and run
// there. Last in the suite: the European master stays down.
TEST_F(ProvisionerE2E, AMasterStoppedMidFlowIsReplacedByTheOtherRegion) {
  const std::map<std::string, std::string> want{{"app-eu-1.e2e", kUs.master},
                                                {"app-eu-2.e2e", kUs.master}};
  std::vector<NodeSpec> specs;
  for (const auto& [node, m] : want) specs.push_back(nodeSpec(node, kEu));
  fleet().addNodes(specs);

  NodeStatuses atStop;
  bool underway = testing::waitFor(
      [&] {
        atStop = statusByNode();
        for (const auto& [node, m] : want) {
          const Json& rec = atStop[node];
          std::string step = rec.value("step", "");
          if (rec.value("master", "") == kEu.master &&
              (step == "request_certificate" || step == "sign" || step == "bootstrap_run")) {
            return true;
          }
        }
        return false;
      },
      kProvisionTimeout);
  ASSERT_TRUE(underway) << "no node got on its way to " << kEu.master << "\n" << logs();
  fleet().node(kEu.master).stop();
  master(kEu)->stop();
  std::string states;
  for (const auto& [node, m] : want) states += "  " + node + ": " + atStop[node].dump() + "\n";
  std::printf("[ stopped  ] %s (droverd and puppetserver) with:\n%s", kEu.master, states.c_str());

  std::string failure = waitProvisioned(want);
  ASSERT_EQ(failure, "") << logs();
  for (const auto& [node, m] : want) {
    EXPECT_EQ(caState(kUs, node), "signed") << node;
    EXPECT_EQ(timesSigned(kUs, node), 1) << node;
    for (const std::string env : {"bootstrap", "production"}) {
      EXPECT_EQ(marker(node, env), expectedMarker(node, env, kUs)) << node;
    }
  }
  std::string anyHistory;
  for (const auto& [node, m] : want) anyHistory += history(node);
  EXPECT_THAT(anyHistory, HasSubstr("master_lost")) << anyHistory;
}

}  // namespace
}  // namespace drover::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new drover::e2e::MastersEnvironment);
  return RUN_ALL_TESTS();
}
