#include "testing/nats_server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/util/json.hpp"

namespace drover::testing {
namespace {

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// HTTP/1.0, so the server closes after the body: no chunked framing or keep-alive.
std::optional<std::string> httpGet(int port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  FdCloser closer(fd);
  timeval timeout{2, 0};  // a wedged server fails the call, not the whole test run
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return std::nullopt;
  std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  auto sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (sent != static_cast<ssize_t>(request.size())) return std::nullopt;
  std::string reply;
  char buffer[8192];
  for (;;) {
    auto got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) break;
    reply.append(buffer, static_cast<std::size_t>(got));
  }
  auto body = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/", 0) != 0 || body == std::string::npos) return std::nullopt;
  return reply.substr(body + 4);
}

Json parsed(const std::string& text) { return Json::parse(text, nullptr, false); }

// The monitoring JSON of a member that may be down or half up: null when unusable.
Json monitorJson(const NatsServer& server, const std::string& endpoint) {
  try {
    return parsed(server.monitor(endpoint));
  } catch (const std::runtime_error&) {
    return Json();
  }
}

std::int64_t numberField(const NatsServer& server, const std::string& endpoint,
                         const std::string& key) {
  Json json = parsed(server.monitor(endpoint));
  if (!json.is_object() || !json.contains(key) || !json[key].is_number_integer()) {
    throw std::runtime_error(endpoint + " of " + server.url() + " has no " + key);
  }
  return json[key].get<std::int64_t>();
}

std::string metaLeaderOf(const NatsServer& server) {
  Json jsz = monitorJson(server, "/jsz");
  if (!jsz.is_object() || !jsz.contains("meta_cluster")) return "";
  return jsz["meta_cluster"].value("leader", "");
}

std::string hostPort(const std::string& address, int port) {
  bool ipv6 = address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string quoted(const std::string& text) { return Json(text).dump(); }

}  // namespace

std::filesystem::path natsServerBinary() {
  const char* chosen = std::getenv("DROVER_NATS_SERVER");
  if (chosen != nullptr && *chosen != '\0') return chosen;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/usr/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = std::filesystem::path(dir) / "nats-server";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("nats-server not found on PATH (or set DROVER_NATS_SERVER)");
}

NatsServer::NatsServer(NatsServerOptions options)
    : options_(std::move(options)),
      config_(dir_ / "nats-server.conf"),
      log_(dir_ / "nats-server.log"),
      port_(freePort()),
      monitoringPort_(freePort()) {
  writeConfig();
  start();
}

NatsServer::~NatsServer() { stop(); }

void NatsServer::writeConfig() const {
  std::ostringstream out;
  out << "# Written by drover::testing::NatsServer.\n"
      << "listen: " << quoted(hostPort(options_.listenAddress, port_)) << "\n"
      << "http: " << quoted(hostPort("127.0.0.1", monitoringPort_)) << "\n"
      << "max_payload: " << options_.maxPayload << "\n"
      << "max_pending: " << options_.maxPending << "\n";
  if (!options_.serverName.empty()) out << "server_name: " << quoted(options_.serverName) << "\n";
  if (options_.jetStream) {
    out << "jetstream {\n"
        << "  store_dir: " << quoted((dir_ / "jetstream").string()) << "\n"
        << "  max_memory_store: " << options_.jetStreamMaxStore << "\n"
        << "  max_file_store: " << options_.jetStreamMaxStore << "\n}\n";
  }
  if (options_.tls) {
    out << "tls {\n"
        << "  cert_file: " << quoted(options_.tls->cert.string()) << "\n"
        << "  key_file: " << quoted(options_.tls->key.string()) << "\n";
    if (!options_.tls->ca.empty())
      out << "  ca_file: " << quoted(options_.tls->ca.string()) << "\n";
    // The 0.5 s default handshake deadline fails clients on a loaded CI machine.
    out << "  verify: " << (options_.tls->verify ? "true" : "false") << "\n  timeout: 5\n}\n";
  }
  if (!options_.clusterName.empty()) {
    // Array items need commas: nats-server's parser rejects space-separated ones.
    out << "cluster {\n  name: " << quoted(options_.clusterName) << "\n"
        << "  listen: " << quoted(hostPort("127.0.0.1", options_.clusterPort)) << "\n  routes: [\n";
    for (int route : options_.routePorts) {
      out << "    " << quoted("nats-route://" + hostPort("127.0.0.1", route)) << ",\n";
    }
    out << "  ]\n}\n";
  }
  out << options_.extraConfig << "\n";
  std::ofstream(config_) << out.str();
}

void NatsServer::start() {
  if (running()) throw std::runtime_error("nats-server on " + url() + " is already running");
  process_.reset();
  process_.emplace(std::vector<std::string>{natsServerBinary().string(), "-c", config_.string()},
                   log_);
  waitReady();
}

void NatsServer::waitReady() {
  // A cluster member's plain /healthz waits for a meta leader, which needs the other
  // members: only the standalone server waits for it here.
  bool standalone = options_.clusterName.empty();
  auto ready = [&] { return !running() || (healthy(true) && (!standalone || healthy(false))); };
  bool done = waitFor(ready, options_.startTimeout);
  if (done && running()) return;
  std::string why =
      running() ? "was not ready within " + std::to_string(options_.startTimeout.count()) + " ms"
                : "exited";
  kill();
  std::string name = serverName().empty() ? "" : serverName() + " ";
  throw std::runtime_error("nats-server " + name + "on " + url() + " " + why + " (" +
                           config_.string() + "):\n" + logTail());
}

int NatsServer::stop(std::chrono::milliseconds grace) {
  return process_ ? process_->stop(grace) : -1;
}

void NatsServer::kill() {
  if (process_) process_->kill();
}

bool NatsServer::running() const { return process_ && process_->running(); }

pid_t NatsServer::pid() const { return running() ? process_->pid() : -1; }

std::string NatsServer::url() const {
  return (options_.tls ? "tls://" : "nats://") + hostPort(options_.listenAddress, port_);
}

std::string NatsServer::logTail(std::size_t lines) const {
  std::ifstream in(log_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string text;
  for (const auto& line : tail) text += line + "\n";
  return text;
}

std::string NatsServer::monitor(const std::string& endpoint) const {
  auto body = httpGet(monitoringPort_, endpoint);
  if (!body) {
    throw std::runtime_error("no answer from " + endpoint + " on monitoring port " +
                             std::to_string(monitoringPort_) + " of " + url());
  }
  return *body;
}

int NatsServer::connections() const {
  return static_cast<int>(numberField(*this, "/connz", "num_connections"));
}

std::int64_t NatsServer::slowConsumers() const {
  return numberField(*this, "/varz", "slow_consumers");
}

int NatsServer::routes() const {
  return static_cast<int>(numberField(*this, "/routez", "num_routes"));
}

bool NatsServer::healthy(bool jetStreamOnly) const {
  auto body =
      httpGet(monitoringPort_, jetStreamOnly ? "/healthz?js-enabled-only=true" : "/healthz");
  if (!body) return false;
  Json json = parsed(*body);
  return json.is_object() && json.value("status", "") == "ok";
}

NatsCluster::NatsCluster(NatsClusterOptions options) : options_(std::move(options)) {
  if (options_.size == 0) throw std::invalid_argument("a NATS cluster needs a member");
  std::vector<int> clusterPorts;
  for (std::size_t i = 0; i < options_.size; ++i) clusterPorts.push_back(freePort());
  for (std::size_t i = 0; i < options_.size; ++i) {
    NatsServerOptions member = options_.member;
    member.serverName = "n" + std::to_string(i + 1);  // JetStream needs distinct names
    // One server is no cluster: a cluster block without routes keeps JetStream from
    // starting (it waits for peers to elect a meta leader).
    if (options_.size > 1) member.clusterName = options_.name;
    member.clusterPort = clusterPorts[i];
    member.routePorts.clear();
    for (std::size_t j = 0; j < options_.size; ++j) {
      if (j != i) member.routePorts.push_back(clusterPorts[j]);
    }
    servers_.push_back(std::make_unique<NatsServer>(std::move(member)));
  }
  waitRouted();
}

NatsCluster::~NatsCluster() {
  // SIGTERM every member first so they shut down together, not one wait after another.
  for (auto& server : servers_) {
    if (server->pid() > 0) ::kill(server->pid(), SIGTERM);
  }
  servers_.clear();
}

std::vector<std::string> NatsCluster::urls() const {
  std::vector<std::string> urls;
  for (const auto& server : servers_) urls.push_back(server->url());
  return urls;
}

std::string NatsCluster::url() const {
  std::string joined;
  for (const auto& url : urls()) joined += (joined.empty() ? "" : ",") + url;
  return joined;
}

void NatsCluster::waitRouted(std::optional<std::chrono::milliseconds> timeout) {
  std::string lacking;
  auto routed = [&] {
    lacking = unready();
    return lacking.empty();
  };
  if (waitFor(routed, timeout.value_or(options_.routeTimeout))) return;
  // The logs go with the test's directory, so their ends travel in the message.
  std::string logs;
  for (const auto& server : servers_) {
    logs += "\n--- " + server->serverName() + " (" + server->logPath().string() + "):\n" +
            server->logTail(15);
  }
  throw std::runtime_error("NATS cluster not routed:" + lacking + logs);
}

std::string NatsCluster::metaLeader() const {
  for (const auto& server : servers_) {
    if (server->running()) return metaLeaderOf(*server);
  }
  return "";
}

std::string NatsCluster::unready() {
  std::set<std::string> up;
  for (const auto& server : servers_) {
    if (server->running()) up.insert(server->serverName());
  }
  std::string lacking;
  std::set<std::string> leaders;
  for (const auto& server : servers_) {
    if (!server->running()) continue;
    std::string name = " " + server->serverName() + ": ";
    Json routez = monitorJson(*server, "/routez");
    int routes = routez.is_object() ? routez.value("num_routes", -1) : -1;
    if (routes != static_cast<int>(up.size()) - 1) {
      lacking +=
          name + std::to_string(routes) + " of " + std::to_string(up.size() - 1) + " routes;";
    }
    if (!options_.member.jetStream) continue;
    if (!server->healthy()) lacking += name + "/healthz not ok;";
    if (servers_.size() == 1) continue;  // standalone JetStream: no meta leader
    std::string leader = metaLeaderOf(*server);
    // Right after a leader is killed, the others still name it for a few seconds.
    if (up.count(leader) == 0) lacking += name + "meta leader '" + leader + "' is not running;";
    leaders.insert(leader);
  }
  if (leaders.size() > 1) lacking += " members name different meta leaders;";
  return lacking;
}

NatsTls writeTestTls(const TempDir& dir) {
  auto path = [&](const char* name) { return (dir / name).string(); };
  auto newKey = [&](const char* key, const std::vector<std::string>& rest) {
    std::vector<std::string> argv{"openssl", "req",      "-newkey",
                                  "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                  "-nodes",  "-keyout",  path(key)};
    argv.insert(argv.end(), rest.begin(), rest.end());
    runChecked(argv);
  };
  newKey("ca.key", {"-x509", "-days", "1", "-subj", "/CN=test-ca", "-out", path("ca.pem")});
  dir.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  dir.write("client.ext", "extendedKeyUsage=clientAuth\n");
  for (const char* name : {"server", "client"}) {
    std::string base = name;
    newKey((base + ".key").c_str(), {"-subj", "/CN=" + base, "-out", path("req.csr")});
    runChecked({"openssl", "x509", "-req", "-in", path("req.csr"), "-CA", path("ca.pem"), "-CAkey",
                path("ca.key"), "-CAcreateserial", "-days", "1", "-extfile",
                (dir / (base + ".ext")).string(), "-out", (dir / (base + ".pem")).string()});
  }
  return NatsTls{dir / "server.pem", dir / "server.key", dir / "ca.pem", true};
}

}  // namespace drover::testing
