#include "bench/support/harness.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "bench/fleet/sim_facts.hpp"
#include "core/security/ca.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace drover::bench {
namespace {

std::string logTail(const testing::Process& process) {
  std::string log = process.log();
  constexpr std::size_t kTail = 2000;
  if (log.size() > kTail) log = "..." + log.substr(log.size() - kTail);
  return log;
}

std::vector<std::string> brokerArgv(const Executables& exe, const std::filesystem::path& workDir,
                                    const BrokerSpec& spec) {
  std::vector<std::string> argv{exe.broker.string(),
                                "--ingress",
                                "tcp://127.0.0.1:*",
                                "--egress",
                                "tcp://127.0.0.1:*",
                                "--log-level",
                                "warn",
                                "--endpoints-file",
                                (workDir / "broker-endpoints.json").string()};
  if (spec.control) argv.insert(argv.end(), {"--control", "tcp://127.0.0.1:*"});
  for (const auto& address : spec.alsoOn) {
    argv.insert(argv.end(),
                {"--ingress", "tcp://" + address + ":*", "--egress", "tcp://" + address + ":*"});
  }
  return argv;
}

}  // namespace

void awaitFile(testing::Process& process, const std::string& what,
               const std::filesystem::path& file, std::chrono::milliseconds timeout) {
  bool appeared = testing::waitFor(
      [&] { return std::filesystem::exists(file) || !process.running(); }, timeout);
  if (appeared && std::filesystem::exists(file)) return;
  throw std::runtime_error(what + (process.running() ? " not ready in time" : " exited") +
                           "; log " + process.logPath().string() + ":\n" + logTail(process));
}

BrokerProcess::BrokerProcess(const Executables& exe, const std::filesystem::path& workDir,
                             const BrokerSpec& spec)
    : process_(brokerArgv(exe, workDir, spec), workDir / "broker.log") {
  auto file = workDir / "broker-endpoints.json";
  awaitFile(process_, "drover-broker", file, std::chrono::seconds(10));
  Json doc = Json::parse(util::readFile(file));
  ingress_ = doc.at("ingress").get<std::vector<std::string>>();
  egress_ = doc.at("egress").get<std::vector<std::string>>();
  endpoints_.publish = ingress_.at(0);
  endpoints_.subscribe = egress_.at(0);
  control_ = doc.value("control", "");
}

bus::Endpoints BrokerProcess::endpointsOn(const std::string& address) const {
  auto at = [&](const std::vector<std::string>& bound) {
    std::string prefix = "tcp://" + address + ":";
    for (const auto& endpoint : bound)
      if (endpoint.rfind(prefix, 0) == 0) return endpoint;
    throw std::out_of_range("the broker does not listen on " + address);
  };
  bus::Endpoints there = endpoints_;
  there.publish = at(ingress_);
  there.subscribe = at(egress_);
  return there;
}

BusServer::BusServer(const Executables& exe, const std::filesystem::path& workDir,
                     bus::TransportKind transport, const BrokerSpec& spec,
                     std::size_t natsServers) {
  if (transport == bus::TransportKind::Zmq) {
    broker_.emplace(exe, workDir, spec);
    endpoints_ = broker_->endpoints();
    return;
  }
  testing::NatsClusterOptions cluster;
  cluster.size = std::max<std::size_t>(1, natsServers);
  nats_.emplace(cluster);
  endpoints_.transport = bus::TransportKind::Nats;
  endpoints_.nats.servers = nats_->urls();
}

std::vector<pid_t> BusServer::pids() const {
  if (broker_) return {broker_->pid()};
  std::vector<pid_t> pids;
  for (std::size_t i = 0; i < nats_->size(); ++i) pids.push_back(nats_->server(i).pid());
  return pids;
}

SimulatedFleet::SimulatedFleet(const Executables& exe, const bus::Endpoints& endpoints,
                               const std::filesystem::path& workDir, const FleetSpec& spec,
                               std::chrono::milliseconds timeout) {
  auto started = util::SteadyClock::now();
  std::vector<std::filesystem::path> readyFiles;
  // Interleaved: simulator k runs nodes k, k+K, k+2K... so requests sent in identity
  // order keep every simulator busy at once, as independent machines would be.
  const std::size_t processes = std::max<std::size_t>(1, std::min(spec.processes, spec.nodes));
  for (std::size_t k = 0; k < processes; ++k) {
    std::size_t count = (spec.nodes - k + processes - 1) / processes;
    auto ready = workDir / ("fleet-" + std::to_string(k) + ".ready");
    std::vector<std::string> argv{
        exe.fleetSim.string(), "--count",        std::to_string(count),          "--first-index",
        std::to_string(k),     "--index-stride", std::to_string(processes),      "--prefix",
        spec.prefix,           "--io-threads",   std::to_string(spec.ioThreads), "--ready-file",
        ready.string()};
    auto bus = testing::busFlags(endpoints);
    argv.insert(argv.end(), bus.begin(), bus.end());
    if (spec.trace) {
      auto trace = workDir / ("fleet-" + std::to_string(k) + ".trace.jsonl");
      argv.insert(argv.end(), {"--trace-file", trace.string()});
    }
    if (!spec.securityDir.empty()) {
      auto audit = workDir / ("fleet-" + std::to_string(k) + ".audit.jsonl");
      argv.insert(argv.end(),
                  {"--security-dir", spec.securityDir.string(), "--audit-log", audit.string()});
    }
    if (!spec.ddlDirs.empty()) {
      for (const auto& dir : spec.ddlDirs) argv.insert(argv.end(), {"--ddl-dirs", dir});
    }
    processes_.push_back(std::make_unique<testing::Process>(
        argv, workDir / ("fleet-" + std::to_string(k) + ".log")));
    readyFiles.push_back(ready);
  }
  for (std::size_t k = 0; k < processes_.size(); ++k) {
    awaitFile(*processes_[k], "drover-fleet-sim #" + std::to_string(k), readyFiles[k], timeout);
  }
  startup_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(util::SteadyClock::now() - started);
  for (std::size_t i = 0; i < spec.nodes; ++i) identities_.push_back(simIdentity(spec.prefix, i));
}

SimulatedFleet::~SimulatedFleet() {
  // Ask every simulator at once, then reap: they close their sockets in parallel.
  for (auto& process : processes_) {
    if (process->running()) ::kill(process->pid(), SIGTERM);
  }
  for (auto& process : processes_) process->stop();
}

std::vector<pid_t> SimulatedFleet::pids() const {
  std::vector<pid_t> pids;
  for (const auto& process : processes_) pids.push_back(process->pid());
  return pids;
}

namespace {

std::vector<std::string> daemonArgv(const Executables& exe, const bus::Endpoints& endpoints,
                                    const std::filesystem::path& workDir, const DaemonSpec& spec) {
  std::vector<std::string> argv{exe.droverd.string(),
                                "--identity",
                                spec.identity,
                                "--pid-file",
                                (workDir / (spec.identity + ".pid")).string(),
                                "--log-level",
                                spec.logLevel};
  auto bus = testing::busFlags(endpoints);
  argv.insert(argv.end(), bus.begin(), bus.end());
  if (!spec.security) {
    argv.insert(argv.end(), {"--security-enabled", "false"});
    return argv;
  }
  auto flags = testing::droverdSecurityFlags(*spec.security);
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

}  // namespace

DaemonProcess::DaemonProcess(const Executables& exe, const bus::Endpoints& endpoints,
                             const std::filesystem::path& workDir, const DaemonSpec& spec,
                             std::chrono::milliseconds timeout)
    : process_(daemonArgv(exe, endpoints, workDir, spec), workDir / (spec.identity + ".log")) {
  awaitFile(process_, "droverd " + spec.identity, workDir / (spec.identity + ".pid"), timeout);
}

namespace {

std::vector<std::string> registryArgv(const Executables& exe, const bus::Endpoints& endpoints,
                                      const std::filesystem::path& workDir,
                                      const SecureSetup* secure) {
  const std::string identity = RegistryProcess::kIdentity;
  std::vector<std::string> argv{
      exe.provisioner.string(),
      "--identity",
      identity,
      "--state-db",
      (workDir / "registry.db").string(),
      "--flow-file",
      (std::filesystem::path(DROVER_SOURCE_DIR) / "etc" / "flows" / "classic.yaml").string(),
      "--events-file",
      (workDir / "registry.events.jsonl").string(),
      "--metrics-listen",
      "",
      "--pid-file",
      (workDir / "registry.pid").string(),
      "--log-level",
      "warn"};
  auto bus = testing::busFlags(endpoints);
  argv.insert(argv.end(), bus.begin(), bus.end());
  if (secure == nullptr) {
    argv.insert(argv.end(), {"--security-enabled", "false"});
    return argv;
  }
  auto ca = security::CertificateAuthority::load(secure->caDir);
  // Each fleet size of a run starts a registry, and the CA refuses a second live
  // certificate for one name: the first one issued serves them all.
  const std::filesystem::path dir = secure->caDir / "registry";
  testing::Credentials credentials{dir / (identity + ".key"), dir / (identity + ".pem")};
  if (!std::filesystem::exists(credentials.cert)) {
    credentials = testing::issueCredentials(ca, dir, identity, security::Role::Provisioner);
  }
  argv.insert(argv.end(),
              {"--security-ca-file", ca.certificateFile().string(), "--security-crl-file",
               ca.crlFile().string(), "--security-cert-file", credentials.cert.string(),
               "--security-key-file", credentials.key.string()});
  return argv;
}

}  // namespace

RegistryProcess::RegistryProcess(const Executables& exe, const bus::Endpoints& endpoints,
                                 const std::filesystem::path& workDir, const SecureSetup* secure,
                                 std::chrono::milliseconds timeout)
    : process_(registryArgv(exe, endpoints, workDir, secure), workDir / "registry.log") {
  awaitFile(process_, "drover-provisioner (registry)", workDir / "registry.pid", timeout);
}

std::optional<double> processCpuMs(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name (field 2) may hold spaces: count fields after its closing ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  return static_cast<double>(utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// The number after `field:` in a /proc file of `Name:   value` lines.
std::optional<long> procField(const std::filesystem::path& file, const std::string& field) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size() + 1, field + ":") != 0) continue;
    try {
      return std::stol(line.substr(field.size() + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<long> procStatusKb(pid_t pid, const std::string& field) {
  return procField("/proc/" + std::to_string(pid) + "/status", field);
}

std::optional<long> processPssKb(pid_t pid) {
  return procField("/proc/" + std::to_string(pid) + "/smaps_rollup", "Pss");
}

std::vector<std::pair<std::string, long>> rssByMapping(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  std::map<std::string, long> kib;
  std::string line;
  std::string mapping;
  while (std::getline(in, line)) {
    if (line.rfind("Rss:", 0) == 0) {
      kib[mapping] += std::strtol(line.c_str() + 4, nullptr, 10);
    } else if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) != 0 &&
               line.find('-') < line.find(' ')) {
      // "start-end perms offset dev inode [path]": the path's file name, or what the
      // kernel calls the region ([heap], [stack]); nameless regions are anonymous.
      std::istringstream fields(line);
      std::string skip;
      std::string path;
      for (int i = 0; i < 5; ++i) fields >> skip;
      fields >> path;
      mapping = path.empty() ? "[anonymous]" : std::filesystem::path(path).filename().string();
    }
  }
  std::vector<std::pair<std::string, long>> sorted(kib.begin(), kib.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  return sorted;
}

std::optional<double> processRunMs(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  unsigned long long ns = 0;
  for (const auto& task : tasks) {
    std::ifstream in(task.path() / "schedstat");
    unsigned long long onCpu = 0;
    if (!(in >> onCpu)) return std::nullopt;
    ns += onCpu;
  }
  return static_cast<double>(ns) / 1e6;
}

std::optional<long> processContextSwitches(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  long total = 0;
  for (const auto& task : tasks) {
    for (const char* field : {"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"}) {
      total += procField(task.path() / "status", field).value_or(0);
    }
  }
  return total;
}

}  // namespace drover::bench
