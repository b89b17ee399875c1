#include "tests/integration/deploy/deploy_it.hpp"

#include <csignal>
#include <fstream>

namespace drover::integration {

DeploySuite::World* DeploySuite::world_ = nullptr;

namespace {

constexpr const char* kToken = "token: 0123456789abcdef0123456789abcdef\n";

void writeText(const fs::path& file, const std::string& text, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(file.parent_path());
  util::writeFileAtomically(file, text);
  fs::permissions(file, mode);
}

// The members' image: Puppet's settings with every path inside the member's own /etc
// (its mount namespace makes /etc its own), and a manifest `puppet apply` runs.
void writeImage(const fs::path& image) {
  const std::string conf = "/etc/puppet";
  writeText(image / "etc/puppet/puppet.conf",
            "[main]\nssldir = " + conf + "/ssl\nvardir = " + conf + "/var\nlogdir = " + conf +
                "/log\nrundir = " + conf + "/run\ncodedir = " + conf +
                "/code\npublicdir = " + conf + "/public\n");
  writeText(image / "etc/puppet/data/common.yaml", "drover_test::greeting: \"image\"\n");
  writeText(image / "etc/puppet/code/environments/production/manifests/site.pp",
            "file { '/root/puppet-applied': content => \"applied\\n\" }\n");
}

// A base server.yaml every member starts from: the broker at the bridge, enrolment with
// the token, the fleet's CA and policies, Puppet under /etc/puppet.
std::string memberConfig(Fleet& fleet, const std::string& gateway, const fs::path& dir) {
  bus::Endpoints there = fleet.endpointsOn(gateway);
  return "main_collective: drover\n"
         "broker:\n  publish: " +
         there.publish + "\n  subscribe: " + there.subscribe +
         "\n"
         "ddl_dirs: [" +
         (fs::path(DROVER_SOURCE_DIR) / "ddl").string() +
         "]\n"
         "security:\n"
         "  enabled: true\n"
         "  ca_file: " +
         fleet.ca().certificateFile().string() +
         "\n"
         "  crl_file: " +
         fleet.ca().crlFile().string() +
         "\n"
         "  cert_file: /etc/drover/ssl/node.pem\n"
         "  key_file: /etc/drover/ssl/node.key\n"
         "  provisioning_token_file: " +
         (dir / "provisioning.token").string() +
         "\n"
         "  policy_dir: " +
         (fleet.dir() / "policies").string() +
         "\n"
         "  audit_log: /var/log/drover/audit.log\n"
         "puppet:\n  confdir: /etc/puppet\n"
         "hosts_file: /etc/hosts\n"
         "registration_interval: 5\n"
         "log_level: debug\n";
}

std::string launcherSettings(const DeploySuite::World& w) {
  return "type: local\n"
         "state_dir: " +
         (w.dir.path() / "launcher").string() +
         "\n"
         "bridge: " +
         w.bridge +
         "\n"
         "subnet: " +
         w.subnet +
         "\n"
         "droverd: " +
         testing::binary("droverd").string() +
         "\n"
         "member: " +
         DROVER_MEMBER_PROGRAM +
         "\n"
         "member_config: " +
         (w.dir.path() / "member.yaml").string() +
         "\n"
         "stop_grace: 5\n";
}

// bootstrap.sh files: each run leaves a line in the member's /root/runs.log.
const char* kSshdStage =
    "#!/bin/sh\nset -e\necho \"stage-0 $*\" >> /root/runs.log\nmkdir -p /run/sshd\n"
    "exec /usr/sbin/sshd -o PidFile=none\n";
const char* kRecordStage =
    "#!/bin/sh\nset -e\necho \"stage-1 $*\" >> /root/runs.log\n"
    "printf '%s\\n' \"$DROVER_PARAM_DB_HOST\" > /root/db_host\n"
    "cp \"$DROVER_CLUSTER_FACTS\" /root/facts-at-stage-1.json\n";
const char* kFailingStage = "#!/bin/sh\necho \"about to fail\"\nexit 7\n";

// A second flow for a pool that names it: named, and nothing applied (the default flow
// here, masterless, runs Puppet).
const char* kNamedFlow = R"(name: named
claim: {agent: provision, claim_action: claim, release_action: release, timeout: 15s}
steps:
  - name: assign_name
    assign_name: true
  - name: notify
    notify: provisioned
)";

// Written once per deployment directory: `up` with a bundle whose bytes changed runs its
// stage again, and a rewritten tar differs (times) even with the same script.
void writeBundle(const fs::path& tarFile, const std::string& script) {
  if (fs::exists(tarFile)) return;
  testing::TempDir content;
  writeText(content.path() / "bootstrap.sh", script, fs::perms(0755));
  fs::create_directories(tarFile.parent_path());
  testing::runChecked(
      {"tar", "-cf", tarFile.string(), "-C", content.path().string(), "bootstrap.sh"});
}

}  // namespace

void DeploySuite::SetUpTestSuite() {
  if (::geteuid() != 0) return;  // SetUp skips every test
  auto* w = world_ = new World;
  int n = static_cast<int>(::getpid() % 250) + 1;
  w->bridge = "dvit" + std::to_string(::getpid() % 100000);
  w->subnet = "10.214." + std::to_string(n) + ".0/24";
  w->gateway = "10.214." + std::to_string(n) + ".1";
  w->network = std::make_unique<testing::TestBridge>(w->bridge, w->gateway + "/24");
  w->fleet = std::make_unique<Fleet>(std::vector<std::string>{w->gateway});
  writeImage(w->dir.path() / "image");
  writeText(w->dir.path() / "provisioning.token", kToken, fs::perms(0600));
  writeText(w->dir.path() / "member.yaml", memberConfig(*w->fleet, w->gateway, w->dir.path()));
  writeText(w->dir.path() / "launcher.yaml", launcherSettings(*w));
  writeText(w->dir.path() / "accepted.token", kToken, fs::perms(0600));
  writeText(w->dir.path() / "named.yaml", kNamedFlow);
  w->provisioner = std::make_unique<Provisioner>(
      *w->fleet, "deploy.provisioner",
      std::vector<std::string>{
          "--enrolment-token-files", (w->dir.path() / "accepted.token").string(),
          "--enrolment-ca-dir", w->fleet->caDir().string(), "--naming-domain", "deploy.example",
          "--deployments-launcher-file", (w->dir.path() / "launcher.yaml").string(),
          "--deployments-blob-dir", (w->dir.path() / "blobs").string(), "--deployments-flow-files",
          (w->dir.path() / "named.yaml").string()},
      (fs::path(DROVER_SOURCE_DIR) / "etc/flows/masterless.yaml").string());
  w->provisioner->start();
  w->admin = std::make_unique<rpc::Client>(w->context, w->fleet->endpoints(), "", "drover", 5000ms,
                                           bus::ConnectionOptions{}, w->fleet->adminSecurity());
}

void DeploySuite::TearDownTestSuite() {
  if (!world_) return;
  world_->admin.reset();
  if (world_->provisioner) world_->provisioner->stop();
  delete world_;  // the bridge last: members, their namespaces, then the bridge
  world_ = nullptr;
}

void DeploySuite::SetUp() {
  // Network namespaces, a bridge and mounts need root.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: members run in namespaces of their own";
}

fs::path DeploySuite::writeDeployment(const std::string& name, int db, int app, int worker,
                                      bool failingStage, const std::string& workerFlow) {
  fs::path dir = world_->dir.path() / "deployments" / name;
  writeBundle(dir / "bundles/sshd.tar", kSshdStage);
  writeBundle(dir / "bundles/record.tar", failingStage ? kFailingStage : kRecordStage);
  writeText(dir / "files/app/app.conf", "db_host={{params.db_host}}\nworkers={{params.workers}}\n");
  std::string yaml = "name: " + name +
                     "\n"
                     "flow: masterless\n"
                     "ssh_trust: true\n"
                     "facts: [ipaddress]\n"
                     "defaults:\n"
                     "  launcher: {image: " +
                     (world_->dir.path() / "image").string() +
                     "}\n"
                     "  stages:\n"
                     "    - {bundle: bundles/sshd.tar}\n"
                     "    - {bundle: bundles/record.tar, args: [--from, test]}\n"
                     "  stage_timeout: 2m\n"
                     "pools:\n"
                     "  db: {type: masterful, count: " +
                     std::to_string(db) +
                     "}\n"
                     "  app:\n"
                     "    count: " +
                     std::to_string(app) +
                     "\n"
                     "    params:\n"
                     "      db_host: \"{{pools.db.master.address}}\"\n"
                     "      workers: \"{{pools.worker.*.name | join(',')}}\"\n"
                     "    files:\n"
                     "      app.conf: {path: /etc/app/app.conf, mode: \"0640\"}\n"
                     "  worker:\n"
                     "    count: " +
                     std::to_string(worker) +
                     "\n"
                     "    volumes: [{size: 16M, mount: /srv/data}]\n" +
                     (workerFlow.empty() ? "" : "    flow: " + workerFlow + "\n");
  writeText(dir / (name + ".yaml"), yaml);
  return dir / (name + ".yaml");
}

CliRun DeploySuite::deploy(std::vector<std::string> args, std::chrono::seconds timeout) {
  std::vector<std::string> argv{testing::binary("drover").string(), "--config",
                                world_->fleet->clientConfig().string(), "deploy"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = util::runProcess(argv, "", timeout);
  return {result.exitCode, result.out, result.err};
}

CliRun DeploySuite::provisionStatus() {
  auto result =
      util::runProcess({testing::binary("drover").string(), "--config",
                        world_->fleet->clientConfig().string(), "provision", "status", "--all"},
                       "", 30s);
  return {result.exitCode, result.out, result.err};
}

std::unique_ptr<testing::Process> DeploySuite::deployInBackground(std::vector<std::string> args) {
  std::vector<std::string> argv{testing::binary("drover").string(), "--config",
                                world_->fleet->clientConfig().string(), "deploy"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<testing::Process>(argv, world_->dir.path() / "deploy-cli.log");
}

Json DeploySuite::status(const std::string& name) {
  rpc::CallSpec call;
  call.agent = "provisioner";
  call.action = "deploy_status";
  call.args = Json{{"name", name}};
  call.nodes = std::vector<std::string>{world_->provisioner->name()};
  call.replier = security::Role::Provisioner;
  call.timeout = 5s;
  rpc::CallResult result = world_->admin->call(call);
  if (result.replies.size() != 1 || !result.replies.front().status.ok()) return nullptr;
  return result.replies.front().data;
}

std::map<std::string, Json> DeploySuite::members(const std::string& name) {
  std::map<std::string, Json> out;
  Json s = status(name);
  if (s.is_object())
    for (const auto& m : s["members"]) out[m["identity"]] = m;
  return out;
}

bool DeploySuite::waitStatus(const std::string& name,
                             const std::function<bool(const Json&)>& done) {
  return testing::waitFor(
      [&] {
        Json s = status(name);
        return s.is_object() && done(s);
      },
      240s);
}

pid_t DeploySuite::memberPid(const std::string& name, const std::string& identity) {
  Json m = members(name)[identity];
  // A member not launched yet has no "launch": it reads as no process.
  return m.is_object() ? m.value("launch", Json::object()).value("pid", 0) : 0;
}

fs::path DeploySuite::memberRoot(const std::string& name, const std::string& identity) {
  Json m = members(name)[identity];
  return m.is_object() ? fs::path(m.value("launch", Json::object()).value("root", "")) : fs::path();
}

util::SubprocessResult DeploySuite::inMember(const std::string& name, const std::string& identity,
                                             std::vector<std::string> argv) {
  std::vector<std::string> full{"nsenter", "--target", std::to_string(memberPid(name, identity)),
                                "--net",   "--mount",  "--uts",
                                "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  auto result = util::runProcess(full, "", 30s);
  while (!result.out.empty() && (result.out.back() == '\n' || result.out.back() == ' '))
    result.out.pop_back();
  return result;
}

std::string DeploySuite::logs() {
  if (!world_) return "";
  return world_->fleet->logs() + "\n==== provisioner ====\n" + world_->provisioner->log();
}

}  // namespace drover::integration
