#include "tests/integration/fleet.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "testing/bus_flags.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kStartTimeout = 15s;  // broker or node from exec to ready
constexpr auto kCliTimeout = 60s;    // any one `drover` run
constexpr std::size_t kLogTailLines = 40;
constexpr auto kExecutable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec;

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string readOrEmpty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void installEcho(const fs::path& agentsDir) {
  fs::copy_file(examplesDir() / "echo", agentsDir / "echo", fs::copy_options::overwrite_existing);
  fs::copy_file(examplesDir() / "echo.json", agentsDir / "echo.json",
                fs::copy_options::overwrite_existing);
  fs::permissions(agentsDir / "echo", kExecutable);
  fs::permissions(agentsDir / "echo.json", fs::perms::owner_read | fs::perms::owner_write |
                                               fs::perms::group_read | fs::perms::others_read);
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Result& result) {
  return os << "exit " << result.exitCode << "\n--- stdout ---\n"
            << result.out << "--- stderr ---\n"
            << result.err;
}

std::vector<std::string> sortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

fs::path examplesDir() { return fs::path(DROVER_SOURCE_DIR) / "agents" / "examples"; }
fs::path ddlDir() { return fs::path(DROVER_SOURCE_DIR) / "ddl"; }

bool hasChildProcess(pid_t pid) {
  std::error_code ec;
  fs::path tasks = fs::path("/proc") / std::to_string(pid) / "task";
  for (fs::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) {
    std::string children = readOrEmpty(it->path() / "children");
    if (children.find_first_not_of(" \n") != std::string::npos) return true;
  }
  return false;
}

// ---- Node ---------------------------------------------------------------------

Node::Node(NodeSpec spec, Fleet& fleet) : spec_(std::move(spec)) {
  switch (spec_.security) {
    case NodeSecurity::Certificate: {
      Credentials issued = fleet.issue(spec_.identity, security::Role::Node);
      fs::copy_file(issued.key, credentials().key);
      fs::copy_file(issued.cert, credentials().cert);
      break;
    }
    case NodeSecurity::ProvisioningToken: writeFile(tokenFile(), spec_.provisioningToken); break;
    case NodeSecurity::Disabled: break;
  }
  if (!spec_.policies.empty()) {
    fs::create_directory(policyDir());
    for (const auto& [agent, yaml] : spec_.policies)
      writeFile(policyDir() / (agent + ".yaml"), yaml);
  }
  writeFile(factsFile(), spec_.facts);
  writeFile(dir_ / "classes.txt", joinLines(spec_.classes));
  fs::create_directory(agentsDir());
  fs::permissions(agentsDir(), kExecutable);
  if (spec_.echo) installEcho(agentsDir());
  for (const auto& [name, content] : spec_.agentFiles) {
    writeFile(agentsDir() / name, content);
    fs::permissions(agentsDir() / name, kExecutable);
  }
  argv_ = fleet.nodeArgv(spec_, dir());
}

void Node::start() {
  process_.reset();
  std::error_code ignored;
  fs::remove(pidFile(), ignored);  // a killed node leaves its pid file behind
  process_.emplace(argv_, logFile());
}

bool Node::ready() {
  if (!running()) return false;
  std::string text = readOrEmpty(pidFile());  // written atomically: old, new or absent
  return std::strtol(text.c_str(), nullptr, 10) == process_->pid();
}

void Node::waitReady(std::chrono::milliseconds timeout) {
  if (testing::waitFor([this] { return ready() || !running(); }, timeout) && ready()) return;
  std::string why = running() ? "no pid file after " + std::to_string(timeout.count()) + " ms"
                              : "exited with status " + std::to_string(process_->wait(0ms));
  throw std::runtime_error("droverd " + identity() + " not ready: " + why + "\n" +
                           tail(log(), kLogTailLines));
}

int Node::stop() { return process_ ? process_->stop() : -1; }

void Node::kill() {
  if (process_) process_->kill();
}

std::string Node::log() const { return readOrEmpty(logFile()); }

// ---- Fleet --------------------------------------------------------------------

Fleet::Fleet(FleetOptions options) : options_(std::move(options)) {
  int ingress = testing::freePort();
  int egress = testing::freePort();
  while (egress == ingress) egress = testing::freePort();
  endpoints_.publish = "tcp://127.0.0.1:" + std::to_string(ingress);
  endpoints_.subscribe = "tcp://127.0.0.1:" + std::to_string(egress);
  endpoints_.transport = options_.transport;
  if (options_.transport == bus::TransportKind::Nats) {
    testing::NatsClusterOptions cluster;
    cluster.size = options_.natsServers;
    cluster.member.jetStream = true;  // the provisioners share their names in a bucket
    nats_ = std::make_unique<testing::NatsCluster>(cluster);
    endpoints_.nats.servers = nats_->urls();
  }
  ca_.emplace(security::CertificateAuthority::create(caDir(), "Integration Test CA"));
  issue(kAdmin, security::Role::Admin);
  fs::create_directory(policyDir());
  for (const auto& entry :
       fs::directory_iterator(fs::path(DROVER_SOURCE_DIR) / "etc" / "policies")) {
    if (entry.path().extension() == ".yaml") {
      fs::copy_file(entry.path(), policyDir() / entry.path().filename());
    }
  }
  writeClientConfig();
  startBroker();
}

Credentials Fleet::issue(const std::string& name, security::Role role,
                         const security::CertificateAuthority::IssueOptions& options) {
  return testing::issueCredentials(*ca_, dir_ / "certs", name, role, options);
}

std::shared_ptr<const rpc::ClientSecurity> Fleet::adminSecurity() const {
  Credentials admin = adminCredentials();
  return rpc::ClientSecurity::fromFiles(ca_->certificateFile(), ca_->crlFile(), admin.cert,
                                        admin.key);
}

Credentials Fleet::adminCredentials() const {
  return {dir_ / "certs" / (std::string(kAdmin) + ".key"),
          dir_ / "certs" / (std::string(kAdmin) + ".pem")};
}

Fleet::~Fleet() {
  // Signal every node first so they shut down in parallel, then reap each by PID.
  for (auto& [name, node] : nodes_) {
    if (node->running()) ::kill(node->pid(), SIGTERM);
  }
  for (auto& [name, node] : nodes_) node->stop();
  nodes_.clear();
  broker_.reset();
  nats_.reset();
}

std::vector<std::string> Fleet::busFlags() const { return testing::busFlags(endpoints_); }

std::string Fleet::busYaml() const {
  if (options_.transport == bus::TransportKind::Zmq) {
    return "broker:\n  publish: " + endpoints_.publish + "\n  subscribe: " + endpoints_.subscribe +
           "\n";
  }
  std::string yaml = "bus:\n  transport: nats\nnats:\n  servers:\n";
  for (const auto& url : endpoints_.nats.servers) yaml += "    - " + url + "\n";
  return yaml;
}

void Fleet::writeClientConfig() const {
  // A quiet window of 300 ms (default 150) keeps discovery complete on a busy machine.
  std::string yaml = "identity: integration-tests\n" + busYaml() +
                     "ddl_dirs:\n"
                     "  - " +
                     ddlDir().string() +
                     "\n"
                     "  - " +
                     examplesDir().string() +
                     "\n"
                     "discovery_quiet: 300\n"
                     "completion_cache: " +
                     completionCache().string() +
                     "\n"
                     "log_level: warn\n"
                     "security:\n"
                     "  ca_file: " +
                     ca_->certificateFile().string() +
                     "\n"
                     "  crl_file: " +
                     ca_->crlFile().string() +
                     "\n"
                     "  cert_file: " +
                     adminCredentials().cert.string() +
                     "\n"
                     "  key_file: " +
                     adminCredentials().key.string() + "\n";
  writeFile(clientConfig(), yaml);
}

bus::Endpoints Fleet::endpointsOn(const std::string& address) const {
  auto at = [&](const std::string& endpoint) {
    return "tcp://" + address + endpoint.substr(endpoint.rfind(':'));
  };
  bus::Endpoints there = endpoints_;
  there.publish = at(endpoints_.publish);
  there.subscribe = at(endpoints_.subscribe);
  return there;
}

void Fleet::startBroker() {
  if (nats_) {
    for (std::size_t i = 0; i < nats_->size(); ++i) {
      if (!nats_->server(i).running()) nats_->server(i).start();
    }
    nats_->waitRouted();
    return;
  }
  fs::path endpointsFile = dir_ / "broker-endpoints.json";
  std::error_code ignored;
  fs::remove(endpointsFile, ignored);
  broker_.reset();
  std::vector<std::string> argv{testing::binary("drover-broker").string(),
                                "--ingress",
                                endpoints_.publish,
                                "--egress",
                                endpoints_.subscribe,
                                "--endpoints-file",
                                endpointsFile.string()};
  for (const auto& address : options_.alsoOn) {
    bus::Endpoints there = endpointsOn(address);
    argv.insert(argv.end(), {"--ingress", there.publish, "--egress", there.subscribe});
  }
  argv.insert(argv.end(), options_.brokerArgs.begin(), options_.brokerArgs.end());
  broker_.emplace(argv, dir_ / "broker.log");
  bool up = testing::waitFor([&] { return fs::exists(endpointsFile) || !broker_->running(); },
                             kStartTimeout);
  if (!up || !fs::exists(endpointsFile)) {
    throw std::runtime_error("drover-broker did not start on " + endpoints_.publish + " / " +
                             endpoints_.subscribe + ":\n" + tail(broker_->log(), kLogTailLines));
  }
}

int Fleet::stopBroker() {
  if (!nats_) return broker_ ? broker_->stop() : -1;
  int status = 0;
  for (std::size_t i = 0; i < nats_->size(); ++i) {
    // nats-server exits 1 after a clean SIGTERM; a signal or a hang is what counts.
    int exit = nats_->server(i).stop();
    if (exit != 0 && exit != 1) status = exit;
  }
  return status;
}

std::vector<std::string> Fleet::nodeArgv(const NodeSpec& spec, const fs::path& nodeDir) const {
  std::vector<std::string> argv{testing::binary("droverd").string(),
                                "--identity",
                                spec.identity,
                                "--facts-file",
                                (nodeDir / "facts.yaml").string(),
                                "--classes-file",
                                (nodeDir / "classes.txt").string(),
                                "--ddl-dirs",
                                ddlDir().string(),
                                "--agents-dir",
                                (nodeDir / "agents").string(),
                                "--pid-file",
                                (nodeDir / "droverd.pid").string()};
  auto bus =
      spec.brokerAddress.empty() ? busFlags() : testing::busFlags(endpointsOn(spec.brokerAddress));
  argv.insert(argv.end(), bus.begin(), bus.end());
  if (spec.security == NodeSecurity::Disabled) {
    argv.insert(argv.end(), {"--security-enabled", "false"});
  } else {
    testing::NodeSecurityFiles files{ca_->certificateFile(),
                                     ca_->crlFile(),
                                     {nodeDir / "node.key", nodeDir / "node.pem"},
                                     spec.policies.empty() ? policyDir() : nodeDir / "policies",
                                     nodeDir / "audit.log"};
    auto flags = testing::droverdSecurityFlags(files);
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(),
                {"--security-provisioning-token-file", (nodeDir / "provisioning.token").string()});
  }
  argv.insert(argv.end(), spec.extraArgs.begin(), spec.extraArgs.end());
  argv.insert(argv.begin(), spec.launcher.begin(), spec.launcher.end());
  return argv;
}

Node& Fleet::launchNode(const NodeSpec& spec) {
  if (nodes_.count(spec.identity)) throw std::runtime_error("node " + spec.identity + " exists");
  auto node = std::make_unique<Node>(spec, *this);
  node->start();
  return *nodes_.emplace(spec.identity, std::move(node)).first->second;
}

Node& Fleet::addNode(const NodeSpec& spec) {
  Node& node = launchNode(spec);
  node.waitReady(kStartTimeout);
  return node;
}

void Fleet::addNodes(const std::vector<NodeSpec>& specs) {
  std::vector<Node*> started;
  for (const auto& spec : specs) started.push_back(&launchNode(spec));
  for (Node* node : started) node->waitReady(kStartTimeout);
}

Node& Fleet::node(const std::string& identity) {
  auto it = nodes_.find(identity);
  if (it == nodes_.end()) throw std::out_of_range("no node " + identity + " in this fleet");
  return *it->second;
}

std::vector<std::string> Fleet::identities() const {
  std::vector<std::string> names;
  for (const auto& [name, node] : nodes_) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Result Fleet::drover(std::vector<std::string> args, std::string stdinText) const {
  std::vector<std::string> argv{testing::binary("drover").string(), "--config",
                                clientConfig().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SubprocessResult run = util::runProcess(argv, stdinText, kCliTimeout);
  Result result{run.exitCode, std::move(run.out), std::move(run.err)};
  if (run.timedOut) result.err += "\n[drover did not finish within 60 s and was killed]";
  return result;
}

std::string Fleet::logs() const {
  std::string out;
  if (nats_) {
    for (std::size_t i = 0; i < nats_->size(); ++i) {
      out += "==== nats-server " + nats_->server(i).serverName() + " ====\n" +
             nats_->server(i).logTail(kLogTailLines) + "\n";
    }
  } else {
    out = "==== drover-broker ====\n" + tail(readOrEmpty(dir_ / "broker.log"), kLogTailLines);
  }
  for (const auto& [name, node] : nodes_) {
    out += "\n==== droverd " + name + " ====\n" + tail(node->log(), kLogTailLines);
  }
  return out;
}

// ---- the standard fleet ---------------------------------------------------------

namespace {

struct Host {
  const char* identity;
  const char* region;
  const char* role;
  int cpus;
  const char* kernel;  // a version string: ordered as text, "5.10" < "5.9"
  const char* family;
  bool virtualized;
  bool maintenance;
  const char* profile;
  bool echo;
};

constexpr Host kHosts[] = {
    {"web-eu-1", "eu-west-1", "web", 4, "5.10", "Debian", true, false, "nginx", true},
    {"web-eu-2", "eu-west-1", "web", 16, "5.9", "Debian", false, false, "nginx", true},
    {"db-eu-1", "eu-west-1", "db", 32, "4.18", "RedHat", false, true, "postgres", false},
    {"web-us-1", "us-east-1", "web", 8, "6.1", "Debian", true, false, "nginx", true},
    {"db-us-1", "us-east-1", "db", 2, "4.18", "RedHat", true, false, "postgres", false},
    {"web-ap-1", "ap-south-1", "web", 12, "6.6", "Alpine", true, false, "caddy", false},
};

std::string factsYaml(const Host& host) {
  std::string yaml = std::string("region: ") + host.region + "\n" + "role: " + host.role + "\n" +
                     "cpus: " + std::to_string(host.cpus) + "\n" + "kernel_version: \"" +
                     host.kernel + "\"\n" + "os:\n  family: " + host.family +
                     "\n  release: \"12\"\n" + "virtual: " + (host.virtualized ? "true" : "false") +
                     "\n";
  if (host.maintenance) yaml += "maintenance: true\n";
  return yaml;
}

}  // namespace

std::vector<NodeSpec> standardNodes() {
  std::vector<NodeSpec> specs;
  for (const Host& host : kHosts) {
    NodeSpec spec;
    spec.identity = host.identity;
    spec.facts = factsYaml(host);
    spec.classes = {std::string("role::") + host.role, std::string("profile::") + host.profile};
    spec.echo = host.echo;
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace drover::integration
