// The baked image, booted: machines made from copies of the image scripts/image.sh bakes
// from the Debian packages, each booted by systemd-nspawn with the image's own systemd,
// in its own network namespace on a bridge, configured by nothing but cloud-init user
// data (the shipped etc/cloud-init/user-data.yaml with this test's broker, CA, token and
// region put in).
//
//   - "control" runs drover-provisioner from its package (unit, config in /etc/drover,
//     state in /var/lib/drover, user drover), with enrolment and naming on;
//   - three nodes boot, enrol with the token, are named, and go through the shipped
//     classic flow against two real puppetservers (one per region) on the bridge;
//   - one node is upgraded to a version N+1 of drover-node with a changed config on it.
//
// The broker and the droverd hosting each master's puppetca run on the host from the
// build tree, as in the other end-to-end suites. Needs root, systemd-nspawn, and the
// images and packages in DROVER_IMAGE_DIR and DROVER_PACKAGES_DIR (scripts/test.sh makes
// them: scripts/package.sh, scripts/image.sh).
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/util/base64.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"
#include "testing/test_bridge.hpp"
#include "tests/e2e/image/booted_machine.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/puppet_master.hpp"

namespace drover::e2e {
namespace {

namespace fs = std::filesystem;
using integration::Fleet;
using integration::NodeSpec;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr const char* kBridge = "dvimg";
constexpr const char* kSubnet = "10.213.9.0/24";
constexpr const char* kGateway = "10.213.9.1";
constexpr const char* kDomain = "image.test";
constexpr auto kProvisionTimeout = 600s;

struct Region {
  const char* master;
  const char* region;
  const char* country;
  const char* continent;
};
const Region kEu{"puppet-eu", "eu-west-1", "ie", "europe"};
const Region kUs{"puppet-us", "us-east-1", "us", "america"};

struct MachineSpec {
  const char* name;
  const char* address;
  const Region* region;
};
const MachineSpec kNodes[] = {{"node-a", "10.213.9.11", &kEu},
                              {"node-b", "10.213.9.12", &kEu},
                              {"node-c", "10.213.9.13", &kUs}};

fs::path fromEnvironment(const char* variable, const fs::path& fallback) {
  const char* value = std::getenv(variable);
  return value && *value ? fs::path(value) : fallback;
}
fs::path imageDir() {
  return fromEnvironment("DROVER_IMAGE_DIR", fs::path(DROVER_BINARY_DIR) / "image");
}
fs::path packagesDir() {
  return fromEnvironment("DROVER_PACKAGES_DIR", fs::path(DROVER_BINARY_DIR) / "packages");
}

std::string readOrEmpty(const fs::path& path) {
  try {
    return util::readFile(path);
  } catch (const std::exception&) {
    return "";
  }
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// ---- user data -----------------------------------------------------------------------

/// A write_files entry; the content travels base64 so every byte arrives as it is.
YAML::Node fileEntry(const std::string& path, const std::string& content, const std::string& owner,
                     const std::string& permissions) {
  YAML::Node entry;
  entry["path"] = path;
  entry["owner"] = owner;
  entry["permissions"] = permissions;
  entry["encoding"] = "b64";
  entry["content"] = util::encodeBase64(content);
  return entry;
}

std::string cloudConfig(const YAML::Node& document) {
  YAML::Emitter out;
  out << document;
  return "#cloud-config\n" + std::string(out.c_str()) + "\n";
}

/// The shipped example with this node's broker, CA, token, service and region: only
/// values the example says to replace are replaced.
std::string nodeUserData(const bus::Endpoints& broker, const std::string& caPem,
                         const std::string& crlPem, const std::string& token,
                         const Region& region) {
  YAML::Node document =
      YAML::LoadFile(fs::path(DROVER_SOURCE_DIR) / "etc/cloud-init/user-data.yaml");
  for (YAML::Node file : document["write_files"]) {
    const std::string path = file["path"].as<std::string>();
    if (path == "/etc/drover/server.yaml") {
      YAML::Node server = YAML::Load(file["content"].as<std::string>());
      server["broker"]["publish"] = broker.publish;
      server["broker"]["subscribe"] = broker.subscribe;
      server["naming"]["service"] = "web";
      YAML::Emitter text;
      text << server;
      file["content"] = std::string(text.c_str()) + "\n";
    } else if (path == "/etc/drover/facts.yaml") {
      file["content"] = std::string("region: ") + region.region + "\ncountry: " + region.country +
                        "\ncontinent: " + region.continent + "\n";
    } else if (path == "/etc/drover/ssl/ca.pem") {
      file["content"] = caPem;
    } else if (path == "/etc/drover/ssl/crl.pem") {
      file["content"] = crlPem;
    } else if (path == "/etc/drover/provisioning.token") {
      file["content"] = token;
    }
  }
  return cloudConfig(document);
}

// ---- the fixture: bridge, masters, broker, control machine ---------------------------

class ImageEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      for (const char* image : {"node", "control"}) {
        if (!fs::exists(imageDir() / image / "usr/sbin/droverd")) {
          throw std::runtime_error("no image in " + (imageDir() / image).string() +
                                   " (scripts/image.sh PACKAGES " + (imageDir() / image).string() +
                                   " makes it)");
        }
      }
      bridge_ = std::make_unique<testing::TestBridge>(kBridge, std::string(kGateway) + "/24");
      startMasters();
      fleet_ = std::make_unique<Fleet>(std::vector<std::string>{kGateway});
      fleet_->addNodes({masterSpec(kEu), masterSpec(kUs)});
      fs::path tokenFile = work_.path() / "provisioning.token";
      testing::runChecked(
          {testing::binary("drover").string(), "cert", "token", "--out", tokenFile.string()});
      token_ = util::readFile(tokenFile);
      bootControl();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  void TearDown() override {
    nodes_.clear();
    control_.reset();
    fleet_.reset();
    masters_.clear();
    bridge_.reset();
  }

  static const std::string& error() { return error_; }
  static Fleet& fleet() { return *fleet_; }
  static BootedMachine& control() { return *control_; }
  static const std::string& token() { return token_; }
  static const fs::path& work() { return work_.path(); }
  static std::map<std::string, std::unique_ptr<BootedMachine>>& nodes() { return nodes_; }

 private:
  void startMasters() {
    for (const Region* r : {&kEu, &kUs}) {
      testing::PuppetMaster::Options options;
      options.name = r->master;
      options.region = r->region;
      options.address = kGateway;
      options.markerDir = "/var/tmp";  // inside the nodes: a directory every image has
      masters_[r->master] = std::make_unique<testing::PuppetMaster>(options);
    }
    std::vector<testing::PuppetMaster*> all;
    for (auto& [name, master] : masters_) all.push_back(master.get());
    std::string failures;
    for (const auto& [name, error] : testing::startTogether(all)) failures += error + "\n";
    if (!failures.empty()) throw std::runtime_error(failures);
  }

  // The droverd hosting puppetca for a master; nodes reach the master at the bridge address.
  NodeSpec masterSpec(const Region& r) {
    testing::PuppetMaster& m = *masters_.at(r.master);
    auto root = std::make_unique<testing::TempDir>();
    NodeSpec spec;
    spec.identity = r.master;
    spec.facts = std::string("region: ") + r.region + "\ncountry: " + r.country +
                 "\ncontinent: " + r.continent + "\nfqdn: " + m.name() +
                 "\npuppet_address: " + m.address() + "\npuppet_server: " + m.address() +
                 "\npuppet_port: " + std::to_string(m.port()) + "\n";
    spec.extraArgs = {"--puppetserver-config", m.puppetConf().string(),   "--root",
                      root->path().string(),   "--registration-interval", "5"};
    masterRoots_.push_back(std::move(root));
    return spec;
  }

  // The provisioner's machine: its package's unit, configured by user data as an admin
  // would: the bus, its certificate, the token it accepts and a copy of the CA to enrol with.
  void bootControl() {
    Fleet& fleet = *fleet_;
    auto creds = fleet.issue("control.provisioner", security::Role::Provisioner);
    bus::Endpoints broker = fleet.endpointsOn(kGateway);
    const std::string config =
        "identity: control.provisioner\nbroker:\n  publish: " + broker.publish +
        "\n  subscribe: " + broker.subscribe +
        "\nsecurity:\n  enabled: true\n  ca_file: /etc/drover/ssl/ca.pem\n"
        "  crl_file: /etc/drover/ssl/crl.pem\n  cert_file: /etc/drover/ssl/provisioner.pem\n"
        "  key_file: /etc/drover/ssl/provisioner.key\n"
        "master_facts: [region, country, continent]\nlease: 60\nmaster_heartbeat_age: 60\n"
        "recheck_interval: 5\nevents_file: /var/lib/drover/provisioner/events.jsonl\n"
        "enrolment:\n  token_files: [/etc/drover/enrolment.token]\n"
        "  ca_dir: /var/lib/drover/provisioner/ca\n"
        "naming:\n  domain: " +
        std::string(kDomain) + "\n";
    YAML::Node document;
    YAML::Node files = document["write_files"];
    files.push_back(fileEntry("/etc/drover/provisioner.yaml", config, "root:drover", "0640"));
    files.push_back(fileEntry("/etc/drover/ssl/ca.pem",
                              util::readFile(fleet.ca().certificateFile()), "root:root", "0644"));
    files.push_back(fileEntry("/etc/drover/ssl/crl.pem", util::readFile(fleet.ca().crlFile()),
                              "root:root", "0644"));
    files.push_back(fileEntry("/etc/drover/ssl/provisioner.pem", util::readFile(creds.cert),
                              "root:drover", "0644"));
    files.push_back(fileEntry("/etc/drover/ssl/provisioner.key", util::readFile(creds.key),
                              "drover:drover", "0600"));
    files.push_back(fileEntry("/etc/drover/enrolment.token", token_, "root:drover", "0640"));
    for (const auto& entry : fs::directory_iterator(fleet.caDir())) {
      if (!entry.is_regular_file()) continue;
      files.push_back(
          fileEntry("/var/lib/drover/provisioner/ca/" + entry.path().filename().string(),
                    util::readFile(entry.path()), "drover:drover", "0600"));
    }
    // The CA copy's directory must be the provisioner's, which writes its serial and index
    // (cloud-init makes parent directories as root); then the provisioner starts again.
    YAML::Node runcmd = document["runcmd"];
    runcmd.push_back(YAML::Load("[chown, -R, 'drover:drover', /var/lib/drover/provisioner]"));
    runcmd.push_back(YAML::Load("[systemctl, restart, --no-block, drover-provisioner]"));
    // Not a node of the fleet: its droverd (there with the image) is not configured.
    runcmd.push_back(YAML::Load("[systemctl, disable, --now, droverd]"));

    BootedMachine::Options options{"control", imageDir() / "control", work_.path(),         kBridge,
                                   kSubnet,   "10.213.9.2",           cloudConfig(document)};
    control_ = std::make_unique<BootedMachine>(options);
    control_->boot();
    std::string state = control_->waitBooted(180s);
    if (state != "running" && state != "degraded") {
      throw std::runtime_error("control did not finish booting (" +
                               (state.empty() ? "no answer in 180 s" : state) + "):\n" +
                               control_->diagnosis() + fleet.logs());
    }
  }

  static inline std::unique_ptr<testing::TestBridge> bridge_;
  static inline std::map<std::string, std::unique_ptr<testing::PuppetMaster>> masters_;
  static inline std::vector<std::unique_ptr<testing::TempDir>> masterRoots_;
  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::unique_ptr<BootedMachine> control_;
  static inline std::map<std::string, std::unique_ptr<BootedMachine>> nodes_;
  static inline testing::TempDir work_;
  static inline std::string token_;
  static inline std::string error_;
};

// ---- the tests -----------------------------------------------------------------------

/// The provisioner's events (one JSON object a line) of kind `event` for `node`.
std::vector<Json> events(const std::string& event, const std::string& node = "") {
  std::istringstream lines(
      readOrEmpty(ImageEnvironment::control().host("/var/lib/drover/provisioner/events.jsonl")));
  std::vector<Json> found;
  for (std::string line; std::getline(lines, line);) {
    Json parsed = Json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("event", "") == event &&
        (node.empty() || parsed.value("node", "") == node)) {
      found.push_back(parsed);
    }
  }
  return found;
}

/// What droverd on `machine` calls itself: its identity is the host name it booted with.
std::string identityOf(const BootedMachine& machine) { return machine.name(); }

class ImageBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ImageEnvironment::error().empty()) {
      GTEST_FAIL() << "the image suite's fixture did not start:\n" << ImageEnvironment::error();
    }
  }

  static std::string systemctlShow(BootedMachine& machine, const std::string& unit,
                                   const std::string& property) {
    return trimmed(machine.runChecked({"systemctl", "show", unit, "--value", "-p", property}));
  }

  static std::string diagnostics() {
    std::string text = "provisioner journal:\n" + ImageEnvironment::control()
                                                      .run({"journalctl", "--no-pager", "-n", "60",
                                                            "-u", "drover-provisioner"})
                                                      .out;
    for (auto& [name, machine] : ImageEnvironment::nodes()) {
      if (!machine->running()) continue;
      text += name + " droverd journal:\n" +
              machine->run({"journalctl", "--no-pager", "-n", "30", "-u", "droverd"}).out;
    }
    return text + ImageEnvironment::fleet().logs();
  }
};

TEST_F(ImageBoot, MachinesBootedWithOnlyUserDataAreEnrolledNamedAndProvisioned) {
  Fleet& fleet = ImageEnvironment::fleet();
  const std::string caPem = util::readFile(fleet.ca().certificateFile());
  const std::string crlPem = util::readFile(fleet.ca().crlFile());
  auto& nodes = ImageEnvironment::nodes();
  for (const MachineSpec& spec : kNodes) {
    BootedMachine::Options options{spec.name,
                                   imageDir() / "node",
                                   ImageEnvironment::work(),
                                   kBridge,
                                   kSubnet,
                                   spec.address,
                                   nodeUserData(fleet.endpointsOn(kGateway), caPem, crlPem,
                                                ImageEnvironment::token(), *spec.region)};
    nodes[spec.name] = std::make_unique<BootedMachine>(options);
  }
  for (auto& [name, machine] : nodes) machine->boot();

  bool provisioned = testing::waitFor(
      [&] {
        for (const MachineSpec& spec : kNodes) {
          if (events("provisioned", spec.name).empty()) return false;
        }
        return true;
      },
      kProvisionTimeout);
  ASSERT_TRUE(provisioned) << diagnostics();

  for (const MachineSpec& spec : kNodes) {
    SCOPED_TRACE(spec.name);
    BootedMachine& machine = *nodes.at(spec.name);
    // droverd is the package's unit, ready (Type=notify) and never restarted.
    EXPECT_EQ(systemctlShow(machine, "droverd", "ActiveState"), "active");
    EXPECT_EQ(systemctlShow(machine, "droverd", "NRestarts"), "0");
    // Enrolled: a certificate of its own, from the collective's CA.
    EXPECT_TRUE(fs::exists(machine.host("/etc/drover/ssl/node.pem")));
    // Named by the provisioner: the machine's host name is its name.
    std::vector<Json> named = events("provisioned", spec.name);
    ASSERT_EQ(named.size(), 1u);
    const std::string hostname = trimmed(machine.runChecked({"hostname", "--fqdn"}));
    EXPECT_THAT(hostname, ::testing::MatchesRegex("web-[0-9]+\\.image\\.test")) << named[0].dump();
    // Both Puppet runs happened against the master of its region, under its name.
    EXPECT_EQ(named[0].value("master", ""), spec.region->master);
    for (const char* environment : {"bootstrap", "production"}) {
      EXPECT_EQ(readOrEmpty(machine.host("/var/tmp/" + hostname + "." + environment + ".marker")),
                "certname=" + hostname + "\nenvironment=" + environment +
                    "\nmaster=" + spec.region->master + "\n");
    }
  }
}

// What an operator on the control machine reaches from the packages alone: the live page
// of the packaged provisioner on its default listener (the files built into it), and
// the client's bash completion reading the packaged DDLs.
TEST_F(ImageBoot, TheControlMachineServesTheLivePageAndCompletesTheClient) {
  BootedMachine& control = ImageEnvironment::control();
  const std::string fetch =
      "import sys, urllib.request\n"
      "print(urllib.request.urlopen('http://127.0.0.1:9310' + sys.argv[1]).read().decode())\n";
  const std::string page = control.runChecked({"python3", "-c", fetch, "/"});
  EXPECT_NE(page.find("<title>Drover provisioning</title>"), std::string::npos) << page;
  EXPECT_NE(control.runChecked({"python3", "-c", fetch, "/live.js"}).find("EventSource"),
            std::string::npos);
  Json state = Json::parse(control.runChecked({"python3", "-c", fetch, "/api/state"}));
  std::map<std::string, std::string> shown;
  for (const Json& row : state["rows"]) shown[row["id"]] = row["state"];
  for (const MachineSpec& spec : kNodes) {
    EXPECT_EQ(shown[identityOf(*ImageEnvironment::nodes().at(spec.name))], "provisioned")
        << state.dump();
  }
  EXPECT_EQ(state["masters"].size(), 2u) << state.dump();

  // The completion as bash runs it for `drover rpc rpcutil pi<TAB>` and `drover provi<TAB>`.
  const std::string complete =
      "source /usr/share/bash-completion/completions/drover\n"
      "for COMP_LINE in 'drover rpc rpcutil pi' 'drover provi'; do\n"
      "  COMP_POINT=${#COMP_LINE}; read -r -a COMP_WORDS <<<\"$COMP_LINE\"\n"
      "  COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _drover; echo \"${COMPREPLY[*]}\"\n"
      "done\n";
  EXPECT_EQ(control.runChecked({"bash", "-c", complete}), "ping\nprovision\n");
}

// The units as installed, on a machine systemd booted: verify clean, and each daemon
// runs as its package says (the broker and the provisioner as drover, hardened).
TEST_F(ImageBoot, TheUnitsVerifyCleanAndEachDaemonRunsAsItsPackageSays) {
  BootedMachine& control = ImageEnvironment::control();
  auto verify =
      control.run({"systemd-analyze", "verify", "--man=no", "/lib/systemd/system/droverd.service",
                   "/lib/systemd/system/drover-broker.service",
                   "/lib/systemd/system/drover-provisioner.service"});
  EXPECT_EQ(verify.exitCode, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err, "");
  for (const char* unit : {"drover-broker", "drover-provisioner"}) {
    SCOPED_TRACE(unit);
    EXPECT_EQ(systemctlShow(control, unit, "ActiveState"), "active");
    EXPECT_EQ(systemctlShow(control, unit, "Type"), "notify");
    EXPECT_EQ(systemctlShow(control, unit, "User"), "drover");
    EXPECT_EQ(systemctlShow(control, unit, "ProtectSystem"), "strict");
    const std::string pid = systemctlShow(control, unit, "MainPID");
    EXPECT_EQ(trimmed(control.runChecked({"ps", "-o", "user=", "-p", pid})), "drover");
  }
  // droverd is root's: it runs Puppet, sets the host name and manages root's SSH trust.
  for (auto& [name, machine] : ImageEnvironment::nodes()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(machine->running());
    const std::string pid = systemctlShow(*machine, "droverd", "MainPID");
    EXPECT_EQ(trimmed(machine->runChecked({"ps", "-o", "user=", "-p", pid})), "root");
    EXPECT_EQ(systemctlShow(*machine, "droverd", "WatchdogUSec"), "1min");
  }
}

TEST_F(ImageBoot, NoSecretReachesALogOrTheProcessList) {
  // The token's secret part, as it would appear anywhere.
  std::string secret = ImageEnvironment::token();
  secret = trimmed(secret.substr(secret.find(':') + 1));
  secret.erase(0, secret.find_first_not_of(' '));
  ASSERT_GE(secret.size(), 16u);
  for (auto& [name, machine] : ImageEnvironment::nodes()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(machine->running());
    EXPECT_THAT(machine->runChecked({"journalctl", "--no-pager", "-o", "cat"}),
                Not(HasSubstr(secret)));
    EXPECT_THAT(machine->runChecked({"ps", "-eo", "args"}), Not(HasSubstr(secret)));
    for (const char* log : {"/var/log/cloud-init.log", "/var/log/cloud-init-output.log"}) {
      EXPECT_THAT(readOrEmpty(machine->host(log)), Not(HasSubstr(secret))) << log;
    }
    // The token file cloud-init wrote is root's alone.
    EXPECT_EQ(
        trimmed(machine->runChecked({"stat", "-c", "%a %U", "/etc/drover/provisioning.token"})),
        "600 root");
  }
}

/// Unpacks PACKAGE_VERSION_ARCH.deb, gives it `version` (and drover-common's dependency
/// with it), lets `edit` change its tree, and packs it again into `out`.
fs::path repack(const fs::path& deb, const std::string& version, const fs::path& out,
                const std::function<void(const fs::path&)>& edit = {}) {
  const fs::path tree = out / (deb.stem().string() + ".tree");
  fs::remove_all(tree);
  testing::runChecked({"dpkg-deb", "-R", deb.string(), tree.string()});
  const fs::path control = tree / "DEBIAN/control";
  std::string text = util::readFile(control);
  std::string oldVersion;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Version: ", 0) == 0) oldVersion = line.substr(9);
  }
  for (std::size_t at = 0; (at = text.find(oldVersion, at)) != std::string::npos;) {
    text.replace(at, oldVersion.size(), version);
    at += version.size();
  }
  util::writeFileAtomically(control, text);
  if (edit) edit(tree);
  // md5sums must match the files again; conffiles are not listed (dpkg keeps their sums).
  std::set<std::string> conffiles;
  std::istringstream listed(readOrEmpty(tree / "DEBIAN/conffiles"));
  for (std::string line; std::getline(listed, line);) conffiles.insert(line);
  std::string sums;
  for (const auto& entry : fs::recursive_directory_iterator(tree)) {
    if (!entry.is_regular_file()) continue;
    fs::path relative = fs::relative(entry.path(), tree);
    if (*relative.begin() == "DEBIAN" || conffiles.count("/" + relative.string())) continue;
    sums += trimmed(testing::runChecked({"md5sum", entry.path().string()})).substr(0, 32) + "  " +
            relative.string() + "\n";
  }
  util::writeFileAtomically(tree / "DEBIAN/md5sums", sums);
  fs::path result = out / (deb.filename().string() + ".next.deb");
  testing::runChecked({"dpkg-deb", "--root-owner-group", "-b", tree.string(), result.string()});
  fs::remove_all(tree);
  return result;
}

fs::path packageFile(const std::string& name) {
  for (const auto& entry : fs::directory_iterator(packagesDir())) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(name + "_", 0) == 0 && entry.path().extension() == ".deb") return entry.path();
  }
  throw std::runtime_error("no " + name + "_*.deb in " + packagesDir().string());
}

TEST_F(ImageBoot, AnUpgradeKeepsAChangedConfigRestartsTheServiceAndLosesNoState) {
  auto& nodes = ImageEnvironment::nodes();
  ASSERT_TRUE(nodes.count("node-a") && nodes.at("node-a")->running());
  BootedMachine& machine = *nodes.at("node-a");
  const std::string before =
      trimmed(machine.runChecked({"dpkg-query", "-W", "-f", "${Version}", "drover-node"}));
  const std::string next = before + "+next1";

  // Version N+1: drover-common and drover-node, whose shipped server.yaml changed too,
  // so dpkg meets a config changed on both sides.
  const fs::path dir = machine.host("/var/tmp/upgrade");
  fs::create_directories(dir);
  repack(packageFile("drover-common"), next, dir);
  repack(packageFile("drover-node"), next, dir, [](const fs::path& tree) {
    const fs::path shipped = tree / "etc/drover/server.yaml";
    util::writeFileAtomically(shipped, util::readFile(shipped) + "# changed in the next version\n");
  });

  const std::string configBefore = readOrEmpty(machine.host("/etc/drover/server.yaml"));
  const std::string certBefore = readOrEmpty(machine.host("/etc/drover/ssl/node.pem"));
  const std::string hostname = trimmed(machine.runChecked({"hostname", "--fqdn"}));
  const std::string invocation = systemctlShow(machine, "droverd", "InvocationID");
  ASSERT_FALSE(configBefore.empty());
  ASSERT_FALSE(invocation.empty());

  auto upgrade =
      machine.run({"sh", "-c",
                   "DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                   "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "
                   "/var/tmp/upgrade/*.next.deb"},
                  300s);
  ASSERT_EQ(upgrade.exitCode, 0) << upgrade.out << upgrade.err;
  EXPECT_EQ(trimmed(machine.runChecked({"dpkg-query", "-W", "-f", "${Version}", "drover-node"})),
            next);

  // The changed config stays; the new one is put beside it.
  EXPECT_EQ(readOrEmpty(machine.host("/etc/drover/server.yaml")), configBefore);
  EXPECT_THAT(readOrEmpty(machine.host("/etc/drover/server.yaml.dpkg-dist")),
              HasSubstr("# changed in the next version"));
  // The service restarted (a new invocation) and is ready again.
  bool restarted = testing::waitFor(
      [&] {
        return systemctlShow(machine, "droverd", "InvocationID") != invocation &&
               systemctlShow(machine, "droverd", "ActiveState") == "active";
      },
      120s);
  EXPECT_TRUE(restarted)
      << machine.run({"journalctl", "--no-pager", "-n", "40", "-u", "droverd"}).out;
  // No state lost: same certificate, same name, not provisioned again, and it answers.
  EXPECT_EQ(readOrEmpty(machine.host("/etc/drover/ssl/node.pem")), certBefore);
  EXPECT_EQ(trimmed(machine.runChecked({"hostname", "--fqdn"})), hostname);
  EXPECT_EQ(events("provisioned", machine.name()).size(), 1u);
  auto ping = ImageEnvironment::fleet().drover({"ping", "-I", identityOf(machine)});
  EXPECT_EQ(ping.exitCode, 0) << ping.out << ping.err;
  EXPECT_THAT(ping.out, HasSubstr(identityOf(machine)));
}

}  // namespace
}  // namespace drover::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new drover::e2e::ImageEnvironment);
  return RUN_ALL_TESTS();
}
