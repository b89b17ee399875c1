// drover-rpc-bench: measures RPC latency against simulated fleets, the memory of one
// real droverd, and what --idle-daemons real droverd cost while nothing happens. For
// each --sizes N it starts a fresh drover-broker on free loopback ports and --simulators
// drover-fleet-sim processes splitting N nodes, so every size is a whole fleet of its
// own (broadcasts reach exactly N nodes). Prints a table and writes JSON. Numbers are
// reported, never asserted. --trace also keeps per-request timings of client and
// simulators (bench/tools/trace_summary.py lines them up).
// --security both (the default) measures every size twice: plain, then with a fresh CA,
// an admin certificate for the client and every simulated node enforcing security.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include "bench/fleet/sim_facts.hpp"
#include "bench/rpc/report.hpp"
#include "bench/support/environment.hpp"
#include "bench/support/harness.hpp"
#include "bench/support/secure_setup.hpp"
#include "core/log/log.hpp"
#include "core/registry/lookup.hpp"

namespace {

using namespace std::chrono_literals;
using drover::bench::BenchReport;
using drover::bench::Executables;
using drover::bench::SecureSetup;

constexpr int kExitUsage = 2;   // bad flags
constexpr int kExitFailed = 3;  // a process did not start or the broker was unreachable

struct Options {
  std::vector<std::size_t> sizes{100, 1000};
  std::size_t simulators = 2;
  int ioThreads = 2;
  std::size_t daemonPings = 1000;
  long settleMs = 2000;
  bool skipDaemon = false;
  std::string workDir;  // empty: a temporary directory, removed at the end
  std::string jsonOut = DROVER_BENCH_RESULTS_DIR "/rpc_bench.json";
  drover::bench::ScenarioOptions scenario;
  std::vector<std::string> only;  // scenario names to run; empty: all
  bool trace = false;             // per-request traces in the work directory
  std::string security = "both";  // on, off or both
  std::string transport = "zmq";  // the bus: zmq (drover-broker) or nats (nats-server)
  std::size_t natsServers = 1;    // nats: more than one is a routed cluster
  std::size_t idleDaemons = 100;  // real droverd left idle; 0: not measured
  long idleSeconds = 30;
  std::string rssFloor = DROVER_BENCH_RSS_FLOOR;  // empty: the floor is not measured
};

// A store of its own per fleet, so every secure run starts with a cold certificate cache
// (the warm-up repetitions fill it, as a CLI's first call would).
std::shared_ptr<const drover::rpc::ClientSecurity> clientSecurity(const SecureSetup& setup) {
  auto out = std::make_shared<drover::rpc::ClientSecurity>();
  out->signer = setup.admin;
  out->store =
      drover::security::CertificateStore::open(setup.caDir / "ca.crt", setup.caDir / "crl.pem");
  return out;
}

drover::Json environment(const Options& options) {
  drover::Json env = drover::bench::hostEnvironment();
  env.update({{"repeat", options.scenario.repeat},
              {"warmup", options.scenario.warmup},
              {"quiet_ms", options.scenario.quiet.count()},
              {"simulators", options.simulators},
              {"sim_io_threads", options.ioThreads},
              {"security", options.security},
              {"transport", options.transport},
              {"nats_servers", options.natsServers}});
  return env;
}

std::string clientName() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  return std::string("bench@") + host;
}

// `secure` null: plain fleet and client.
drover::bench::SizeRun runSize(const Executables& exe, const std::filesystem::path& dir,
                               std::size_t nodes, const Options& options,
                               const SecureSetup* secure) {
  using namespace drover::bench;
  std::filesystem::create_directories(dir);
  BusServer broker(exe, dir, *drover::bus::transportNamed(options.transport), {},
                   options.natsServers);
  auto busRssKb = [&] {
    long kb = 0;
    for (pid_t pid : broker.pids()) kb += procStatusKb(pid, "VmRSS").value_or(0);
    return kb;
  };
  long busEmptyRssKb = busRssKb();
  FleetSpec spec;
  spec.nodes = nodes;
  spec.processes = options.simulators;
  spec.ioThreads = options.ioThreads;
  spec.trace = options.trace;
  if (secure) spec.securityDir = secure->caDir;
  auto timeout = std::max<std::chrono::milliseconds>(30s, std::chrono::milliseconds(nodes * 20));
  SimulatedFleet fleet(exe, broker.endpoints(), dir, spec, timeout);
  std::fprintf(stderr, "drover-rpc-bench: %zu nodes (security %s) ready in %lld ms; measuring\n",
               nodes, secure ? "on" : "off", static_cast<long long>(fleet.startup().count()));
  zmq::context_t context(1);
  drover::rpc::Client client(context, broker.endpoints(), clientName(), "drover", 5000ms, {},
                             secure ? clientSecurity(*secure) : nullptr);
  SizeRun run;
  run.busEmptyRssKb = busEmptyRssKb;
  run.busReadyRssKb = busRssKb();
  run.nodes = nodes;
  run.secure = secure != nullptr;
  run.simulators = options.simulators;
  run.startupMs = fleet.startup().count();
  auto wanted = [&](const std::string& name) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), name) != options.only.end();
  };
  std::vector<drover::Json> trace;
  auto o = options.scenario;
  if (options.trace) o.trace = &trace;
  // CPU of client, simulators and broker around each scenario, per call made.
  struct CpuNow {
    double client = 0, simulators = 0, broker = 0;
  };
  auto cpuNow = [&] {
    CpuNow now;
    now.client = processCpuMs(::getpid()).value_or(0);
    for (pid_t pid : fleet.pids()) now.simulators += processCpuMs(pid).value_or(0);
    for (pid_t pid : broker.pids()) now.broker += processCpuMs(pid).value_or(0);
    return now;
  };
  auto measured = [&](const std::string& name, const std::function<ScenarioResult()>& scenario) {
    if (!wanted(name)) return;
    CpuNow before = cpuNow();
    ScenarioResult result = scenario();
    CpuNow after = cpuNow();
    double calls = static_cast<double>(o.warmup + o.repeat);
    result.cpu = {(after.client - before.client) / calls,
                  (after.simulators - before.simulators) / calls,
                  (after.broker - before.broker) / calls};
    run.scenarios.push_back(std::move(result));
  };
  measured("ping_direct", [&] { return pingDirect(client, fleet.identities(), o); });
  measured("ping_broadcast", [&] { return pingBroadcast(client, nodes, o); });
  measured("get_fact_shard3", [&] { return factFilteredRpc(client, simShardSize(nodes, 3), o); });
  measured("discovery", [&] { return discovery(client, nodes, o); });
  if (wanted("registry_ping")) {
    RegistryProcess registry(exe, broker.endpoints(), dir, secure, 30s);
    // Its start-up sweep lists the fleet; measured once every node is in it.
    bool listed = drover::testing::waitFor(
        [&] {
          try {
            return drover::registry::lookup(client, "", "", 2000ms).nodes.size() == nodes;
          } catch (const drover::registry::LookupError&) {
            return false;
          }
        },
        timeout);
    if (!listed) throw std::runtime_error("the registry did not list the whole fleet");
    measured("registry_ping", [&] { return registryPing(client, nodes, o); });
  }
  for (pid_t pid : fleet.pids()) run.simulatorRssKb += procStatusKb(pid, "VmRSS").value_or(0);
  run.busAfterRssKb = busRssKb();
  if (options.trace) {
    std::ofstream out(dir / "client.trace.jsonl");
    for (const auto& line : trace) out << line.dump() << "\n";
  }
  return run;
}

drover::bench::DaemonMemory measureDaemon(const Executables& exe, const std::filesystem::path& dir,
                                          const Options& options) {
  using namespace drover::bench;
  std::filesystem::create_directories(dir);
  BusServer broker(exe, dir, *drover::bus::transportNamed(options.transport));
  const std::string identity = "bench-droverd";
  // Security off: the memory of the daemon itself, not of a certificate setup around it.
  DaemonProcess daemon(exe, broker.endpoints(), dir, DaemonSpec{identity}, 30s);
  std::this_thread::sleep_for(std::chrono::milliseconds(options.settleMs));
  DaemonMemory memory;
  memory.settleMs = options.settleMs;
  memory.idleRssKb = procStatusKb(daemon.pid(), "VmRSS").value_or(-1);
  memory.idleAnonKb = procStatusKb(daemon.pid(), "RssAnon").value_or(-1);
  memory.idleFileKb = procStatusKb(daemon.pid(), "RssFile").value_or(-1);
  memory.idleByMapping = rssByMapping(daemon.pid());
  // The floor connects to a drover-broker as droverd does; on NATS there is none to read.
  if (!options.rssFloor.empty() &&
      broker.endpoints().transport == drover::bus::TransportKind::Zmq) {
    drover::testing::Process floor({options.rssFloor, broker.endpoints().publish,
                                    broker.endpoints().subscribe, (dir / "floor.pid").string()},
                                   dir / "floor.log");
    awaitFile(floor, "drover-rss-floor", dir / "floor.pid", 30s);
    std::this_thread::sleep_for(std::chrono::milliseconds(options.settleMs));
    memory.floorRssKb = procStatusKb(floor.pid(), "VmRSS").value_or(-1);
  }
  zmq::context_t context(1);
  drover::rpc::Client client(context, broker.endpoints(), clientName(), "drover");
  memory.pings = pingOne(client, identity, options.daemonPings, options.scenario);
  memory.afterPingsRssKb = procStatusKb(daemon.pid(), "VmRSS").value_or(-1);
  memory.peakRssKb = procStatusKb(daemon.pid(), "VmHWM").value_or(-1);
  memory.threads = procStatusKb(daemon.pid(), "Threads").value_or(-1);
  return memory;
}

// `options.idleDaemons` real droverd on one bus, security on as a fleet runs them, left
// alone for `idleSeconds` once every one is ready: their CPU, wake-ups and memory.
drover::bench::IdleDaemons measureIdle(const Executables& exe, const std::filesystem::path& dir,
                                       const SecureSetup& secure, const Options& options) {
  using namespace drover::bench;
  std::filesystem::create_directories(dir);
  BusServer broker(exe, dir, *drover::bus::transportNamed(options.transport));
  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  for (std::size_t i = 0; i < options.idleDaemons; ++i) {
    std::string identity = fmt::format("idle-{:04}", i);
    DaemonSpec spec{identity, issueNodeFiles(secure, dir / identity, identity)};
    daemons.push_back(std::make_unique<DaemonProcess>(exe, broker.endpoints(), dir, spec, 30s));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(options.settleMs));
  auto sample = [&] {
    std::pair<double, long> total{0, 0};  // CPU ms, context switches
    for (const auto& d : daemons) {
      auto cpu = processRunMs(d->pid());  // exact; ticks where schedstats are off
      if (!cpu) cpu = processCpuMs(d->pid());
      total.first += cpu.value_or(0);
      total.second += processContextSwitches(d->pid()).value_or(0);
    }
    return total;
  };
  auto before = sample();
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(options.idleSeconds));
  auto after = sample();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  IdleDaemons idle;
  idle.daemons = daemons.size();
  idle.seconds = seconds;
  idle.cpuPercentOfCore = (after.first - before.first) / (seconds * 1000.0) * 100.0;
  idle.wakeupsPerSecond = static_cast<double>(after.second - before.second) /
                          (seconds * static_cast<double>(daemons.size()));
  for (const auto& d : daemons) {
    idle.meanRssKb += procStatusKb(d->pid(), "VmRSS").value_or(0);
    idle.meanPssKb += processPssKb(d->pid()).value_or(0);
  }
  idle.meanRssKb /= static_cast<long>(daemons.size());
  idle.meanPssKb /= static_cast<long>(daemons.size());
  return idle;
}

void addFlags(CLI::App& app, Options& options, Executables& exe) {
  app.add_option("--sizes", options.sizes, "Fleet sizes to measure")->delimiter(',');
  app.add_option("--repeat", options.scenario.repeat, "Timed repetitions per scenario");
  app.add_option("--warmup", options.scenario.warmup, "Untimed repetitions before those");
  app.add_option("--simulators", options.simulators, "drover-fleet-sim processes per fleet")
      ->check(CLI::Range(1, 64));
  app.add_option("--io-threads", options.ioThreads, "ZeroMQ I/O threads per simulator");
  app.add_option_function<long>(
      "--quiet-ms", [&](long ms) { options.scenario.quiet = std::chrono::milliseconds(ms); },
      "Broadcast quiet window, as the CLI's discovery_quiet [150]");
  app.add_option("--security", options.security,
                 "off: plain; on: signed and verified; both: plain then secure, and their ratio")
      ->check(CLI::IsMember({"on", "off", "both"}));
  app.add_option(
         "--scenarios", options.only,
         "Only these: ping_direct, ping_broadcast, get_fact_shard3, discovery, registry_ping "
         "(drover-provisioner as the registry)")
      ->delimiter(',');
  app.add_option("--daemon-pings", options.daemonPings, "Pings the real droverd answers");
  app.add_option("--settle-ms", options.settleMs, "Wait after droverd is ready before reading RSS");
  app.add_flag("--skip-daemon", options.skipDaemon,
               "Do not measure real droverd (neither one nor the idle ones)");
  app.add_option("--idle-daemons", options.idleDaemons,
                 "Real droverd (security on) left idle, to measure their CPU, wake-ups and "
                 "memory; 0: none [100]");
  app.add_option("--idle-seconds", options.idleSeconds, "How long they are watched [30]")
      ->check(CLI::Range(1, 3600));
  app.add_flag("--trace", options.trace,
               "Write per-request traces (client and simulators) into the work directory");
  app.add_option("--work-dir", options.workDir,
                 "Keep logs and ready files here (default: temporary)");
  app.add_option("--json-out", options.jsonOut, "Where to write the JSON results");
  app.add_option("--transport", options.transport,
                 "The bus: zmq (a drover-broker) or nats (a nats-server on a free port)")
      ->check(CLI::IsMember({"zmq", "nats"}));
  app.add_option("--nats-servers", options.natsServers,
                 "With --transport nats: this many nats-servers, routed as a cluster; the "
                 "nodes spread over them")
      ->check(CLI::Range(1, 9));
  app.add_option("--broker", exe.broker, "drover-broker executable");
  app.add_option("--droverd", exe.droverd, "droverd executable");
  app.add_option("--fleet-sim", exe.fleetSim, "drover-fleet-sim executable");
  app.add_option("--rss-floor", options.rssFloor,
                 "drover-rss-floor executable (droverd's libraries alone); empty: skip it");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-rpc-bench: RPC latency against simulated fleets, and droverd memory");
  app.footer("Exit status: 0 measured; 2 bad flags; 3 a process failed (its log is quoted).");
  Options options;
  Executables exe{DROVER_BENCH_BROKER, DROVER_BENCH_DROVERD, DROVER_BENCH_FLEET_SIM,
                  DROVER_BENCH_PROVISIONER};
  addFlags(app, options, exe);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  drover::log::setLevel("warn");
  try {
    std::optional<drover::testing::TempDir> temporary;
    std::filesystem::path dir = options.workDir;
    if (dir.empty()) dir = temporary.emplace().path();
    BenchReport report;
    report.environment = environment(options);
    std::optional<SecureSetup> secure;
    if (options.security != "off") secure = drover::bench::makeSecureSetup(dir / "ca");
    // Plain and secure of one size back to back, so both see the same machine load.
    for (std::size_t nodes : options.sizes) {
      auto base = dir / ("fleet-" + std::to_string(nodes));
      if (options.security != "on") {
        report.sizes.push_back(runSize(exe, base, nodes, options, nullptr));
      }
      if (secure) {
        report.sizes.push_back(runSize(exe, base.string() + "-secure", nodes, options, &*secure));
      }
    }
    if (!options.skipDaemon) report.daemon = measureDaemon(exe, dir / "droverd", options);
    if (!options.skipDaemon && options.idleDaemons > 0) {
      if (!secure) secure = drover::bench::makeSecureSetup(dir / "ca");
      report.idle = measureIdle(exe, dir / "idle", *secure, options);
    }
    report.environment["loadavg_end"] = drover::bench::loadAverage();
    drover::bench::printTable(stdout, report);
    drover::bench::writeJson(options.jsonOut, drover::bench::toJson(report));
    std::printf("\nJSON written to %s\n", options.jsonOut.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-rpc-bench: %s\n", e.what());
    return kExitFailed;
  }
  return 0;
}
