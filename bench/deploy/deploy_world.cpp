#include "bench/deploy/deploy_world.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <sstream>

#include "bench/support/secure_setup.hpp"
#include "core/util/files.hpp"
#include "testing/test_bridge.hpp"

namespace drover::bench::deploy {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> interrupted{false};

extern "C" void onSignal(int) { interrupted = true; }

// Enrolment: members boot with this token only; the provisioner accepts it.
constexpr const char* kToken = "token: 0123456789abcdef0123456789abcdef\n";

void writeText(const fs::path& file, const std::string& text, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(file.parent_path());
  util::writeFileAtomically(file, text);
  fs::permissions(file, mode);
}

std::string ddlDir() { return (fs::path(DROVER_SOURCE_DIR) / "ddl").string(); }

std::string tail(const fs::path& log) {
  std::string text = util::readFile(log);
  return text.size() > 3000 ? "..." + text.substr(text.size() - 3000) : text;
}

}  // namespace

Network networkOf(const std::string& bridge, const std::string& subnet) {
  auto slash = subnet.find('/');
  in_addr address{};
  if (slash == std::string::npos ||
      ::inet_pton(AF_INET, subnet.substr(0, slash).c_str(), &address) != 1)
    throw std::invalid_argument("--subnet: '" + subnet + "' is not an IPv4 CIDR (10.215.0.0/22)");
  address.s_addr = htonl(ntohl(address.s_addr) + 1);
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &address, text, sizeof text);
  return {bridge, subnet, text};
}

void installInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = onSignal;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

void checkInterrupted() {
  if (interrupted) throw Interrupted();
}

bool wasInterrupted() { return interrupted; }

World::World(const Programs& programs, const Network& network, const fs::path& workDir,
             const fs::path& flowFile, const std::string& provisionerLogLevel)
    : network_(network),
      dir_(workDir),
      droverCli_(programs.drover),
      bridge_(network.bridge, network.gateway + network.subnet.substr(network.subnet.find('/'))) {
  BrokerSpec spec;
  spec.alsoOn = {network.gateway};
  broker_.emplace(Executables{programs.broker, programs.droverd, {}}, dir_, spec);
  writeConfigs(programs);
  startProvisioner(programs, flowFile, provisionerLogLevel);
  context_ = std::make_unique<zmq::context_t>(1);
  auto security = rpc::ClientSecurity::fromFiles(dir_ / "ca/ca.crt", dir_ / "ca/crl.pem",
                                                 dir_ / "certs/operator.admin.pem",
                                                 dir_ / "certs/operator.admin.key");
  admin_ = std::make_unique<rpc::Client>(*context_, broker_->endpoints(), "", "drover", 5000ms,
                                         bus::ConnectionOptions{}, security);
}

World::~World() {
  admin_.reset();
  context_.reset();
  if (provisioner_) provisioner_->stop();
  // bridge_ (members, namespaces, bridge) goes after the broker, as members are declared.
}

// The CA, the admin's (for the CLI: makeSecureSetup's admin lives in memory only) and
// the provisioner's certificates, the shipped policies, the provisioning token.
void World::writeSecurity() {
  makeSecureSetup(dir_ / "ca");
  auto ca = security::CertificateAuthority::load(dir_ / "ca");
  testing::issueCredentials(ca, dir_ / "certs", "operator.admin", security::Role::Admin);
  testing::issueCredentials(ca, dir_ / "certs", "bench.provisioner", security::Role::Provisioner);
  fs::create_directories(dir_ / "policies");
  for (const auto& entry : fs::directory_iterator(fs::path(DROVER_SOURCE_DIR) / "etc/policies"))
    if (entry.path().extension() == ".yaml")
      fs::copy_file(entry.path(), dir_ / "policies" / entry.path().filename());
  writeText(dir_ / "provisioning.token", kToken, fs::perms(0600));
  writeText(dir_ / "accepted.token", kToken, fs::perms(0600));
}

// The server.yaml members start from: the broker at the bridge, enrolment with the token.
std::string World::memberConfig() const {
  bus::Endpoints there = broker_->endpointsOn(network_.gateway);
  return "main_collective: drover\nbroker:\n  publish: " + there.publish +
         "\n  subscribe: " + there.subscribe + "\nddl_dirs: [" + ddlDir() +
         "]\nsecurity:\n  enabled: true\n  ca_file: " + (dir_ / "ca/ca.crt").string() +
         "\n  crl_file: " + (dir_ / "ca/crl.pem").string() +
         "\n  cert_file: /etc/drover/ssl/node.pem\n  key_file: /etc/drover/ssl/node.key\n"
         "  provisioning_token_file: " +
         (dir_ / "provisioning.token").string() +
         "\n  policy_dir: " + (dir_ / "policies").string() +
         "\n  audit_log: /var/log/drover/audit.log\nhosts_file: /etc/hosts\nlog_level: warn\n";
}

std::string World::launcherSettings(const Programs& programs) const {
  return "type: local\nstate_dir: " + (dir_ / "launcher").string() +
         "\nbridge: " + network_.bridge + "\nsubnet: " + network_.subnet +
         "\ndroverd: " + programs.droverd.string() + "\nmember: " + programs.member.string() +
         "\nmember_config: " + (dir_ / "member.yaml").string() + "\nstop_grace: 5\n";
}

// The CLI's config: the admin, the broker on loopback.
std::string World::clientConfig() const {
  const bus::Endpoints& here = broker_->endpoints();
  return "identity: deploy-bench\nbroker:\n  publish: " + here.publish +
         "\n  subscribe: " + here.subscribe + "\nddl_dirs: [" + ddlDir() +
         "]\nlog_level: warn\nsecurity:\n  ca_file: " + (dir_ / "ca/ca.crt").string() +
         "\n  crl_file: " + (dir_ / "ca/crl.pem").string() +
         "\n  cert_file: " + (dir_ / "certs/operator.admin.pem").string() +
         "\n  key_file: " + (dir_ / "certs/operator.admin.key").string() + "\n";
}

void World::writeConfigs(const Programs& programs) {
  writeSecurity();
  writeText(dir_ / "member.yaml", memberConfig());
  writeText(dir_ / "launcher.yaml", launcherSettings(programs));
  writeText(dir_ / "client.yaml", clientConfig());
}

void World::startProvisioner(const Programs& programs, const fs::path& flowFile,
                             const std::string& logLevel) {
  const bus::Endpoints& here = broker_->endpoints();
  std::vector<std::string> argv{programs.provisioner.string(),
                                "--identity",
                                "bench.provisioner",
                                "--broker-publish",
                                here.publish,
                                "--broker-subscribe",
                                here.subscribe,
                                "--security-ca-file",
                                (dir_ / "ca/ca.crt").string(),
                                "--security-crl-file",
                                (dir_ / "ca/crl.pem").string(),
                                "--security-cert-file",
                                (dir_ / "certs/bench.provisioner.pem").string(),
                                "--security-key-file",
                                (dir_ / "certs/bench.provisioner.key").string(),
                                "--state-db",
                                (dir_ / "state.db").string(),
                                "--flow-file",
                                flowFile.string(),
                                "--metrics-listen",
                                "",
                                "--events-file",
                                (dir_ / "events.jsonl").string(),
                                "--pid-file",
                                (dir_ / "provisioner.pid").string(),
                                "--log-level",
                                logLevel,
                                "--enrolment-token-files",
                                (dir_ / "accepted.token").string(),
                                "--enrolment-ca-dir",
                                (dir_ / "ca").string(),
                                "--naming-domain",
                                "bench.example",
                                "--deployments-launcher-file",
                                (dir_ / "launcher.yaml").string(),
                                "--deployments-blob-dir",
                                (dir_ / "blobs").string()};
  provisioner_.emplace(argv, dir_ / "provisioner.log");
  bool up = testing::waitFor(
      [&] { return fs::exists(dir_ / "provisioner.pid") || !provisioner_->running(); }, 15s);
  if (!up || !provisioner_->running())
    throw std::runtime_error("drover-provisioner did not start:\n" + tail(provisionerLog()));
}

Json World::call(const std::string& action, Json args, std::chrono::milliseconds timeout) {
  rpc::CallSpec call;
  call.agent = "provisioner";
  call.action = action;
  call.args = std::move(args);
  call.nodes = std::vector<std::string>{"bench.provisioner"};
  call.replier = security::Role::Provisioner;
  call.timeout = timeout;
  call.ttl = rpc::ttlCovering(timeout);
  rpc::CallResult result = admin_->call(call);
  if (result.replies.empty())
    throw std::runtime_error("provisioner#" + action + ": no reply within " +
                             std::to_string(timeout.count()) + " ms");
  const rpc::NodeReply& reply = result.replies.front();
  if (!reply.status.ok())
    throw std::runtime_error("provisioner#" + action + ": " + reply.status.message);
  return reply.data;
}

std::optional<Json> World::status(const std::string& name) {
  try {
    return call("deploy_status", Json{{"name", name}}, 10s);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("no deployment") != std::string::npos) return std::nullopt;
    throw;
  }
}

util::SubprocessResult World::drover(std::vector<std::string> args, std::chrono::seconds timeout) {
  std::vector<std::string> argv{droverCli_.string(), "--config", (dir_ / "client.yaml").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return util::runProcess(argv, "", timeout);
}

}  // namespace drover::bench::deploy
