// drover-flood-bench: what a flood of garbage costs a real droverd with security on.
// Starts a drover-broker (with its control socket, for its counters), a fresh CA and
// --daemons real droverd, each with its own node certificate. Then, for every --routes
// and --kinds (bench/flood/garbage.hpp), it publishes a burst of --count messages as
// fast as it can, sends a signed rpcutil ping right behind it on the same socket, and
// reports the time to the ping's reply, the messages the node took off its socket and
// at what rate, its CPU time, its log and audit growth, the replies it sent to garbage
// and what got lost (bench/flood/flood_run.hpp). Prints a table and writes JSON.
// Numbers are reported, never asserted.
//
// --bin-dir runs another build's drover-broker and droverd (one from before request
// targets with --signed-layout before-targets: bench/flood/request_sealer.hpp).
#include <cstdio>
#include <random>

#include <CLI/CLI.hpp>

#include "bench/flood/flood_report.hpp"
#include "bench/flood/flood_run.hpp"
#include "bench/support/environment.hpp"
#include "bench/support/harness.hpp"
#include "bench/support/secure_setup.hpp"
#include "core/log/log.hpp"

namespace {

namespace fs = std::filesystem;
namespace flood = drover::bench::flood;
using namespace std::chrono_literals;

constexpr int kExitUsage = 2;   // bad flags
constexpr int kExitFailed = 3;  // a process did not start, or a node stopped answering

struct Options {
  std::size_t count = 20000;
  std::size_t largeCount = 100;    // 4 MB each
  std::vector<std::string> kinds;  // empty: all
  std::vector<std::string> routes{"node", "broadcast"};
  std::size_t daemons = 1;
  std::size_t repeat = 1;
  long pingTimeoutMs = 60000;
  long logWindowMs = 10100;
  std::string layout = "current";
  std::string logLevel = "info";
  std::string binDir;
  std::string workDir;  // empty: a temporary directory, removed at the end
  std::string jsonOut = DROVER_BENCH_RESULTS_DIR "/flood_bench.json";
};

// A CMake build directory (BIN/broker/drover-broker) or a directory holding both.
fs::path findBinary(const fs::path& dir, const std::string& subdir, const std::string& name) {
  for (const fs::path& candidate : {dir / subdir / name, dir / name}) {
    if (fs::exists(candidate)) return candidate;
  }
  throw std::runtime_error("--bin-dir " + dir.string() + ": no " + name + " in it or in " +
                           (dir / subdir).string());
}

void addFlags(CLI::App& app, Options& options, drover::bench::Executables& exe) {
  app.add_option("--count", options.count, "Messages per burst [20000]");
  app.add_option("--large-count", options.largeCount,
                 "Messages per burst of kind large (4 MB each) [100]");
  app.add_option("--kinds", options.kinds,
                 "Only these: random, msgpack, unsigned, forged, targets, large, v99")
      ->delimiter(',');
  app.add_option("--routes", options.routes,
                 "Topics flooded: node (its own), broadcast (rpcutil's)")
      ->delimiter(',');
  app.add_option("--daemons", options.daemons,
                 "Real droverd processes; the first is flooded and measured")
      ->check(CLI::Range(1, 16));
  app.add_option("--repeat", options.repeat, "Runs of every kind and route");
  app.add_option("--ping-timeout-ms", options.pingTimeoutMs,
                 "Longest wait for the ping after a burst");
  app.add_option("--log-window-ms", options.logWindowMs,
                 "Wait after each burst before the counting message (droverd's refused-line "
                 "throttle window is 10 s); 0: no counting pass");
  app.add_option("--signed-layout", options.layout,
                 "current, or before-targets for a droverd from before request targets")
      ->check(CLI::IsMember({"current", "before-targets"}));
  app.add_option("--node-log-level", options.logLevel, "droverd's log level [info, its default]");
  app.add_option("--bin-dir", options.binDir,
                 "Run the drover-broker and droverd of this build directory (or directory)");
  app.add_option("--broker", exe.broker, "drover-broker executable");
  app.add_option("--droverd", exe.droverd, "droverd executable");
  app.add_option("--work-dir", options.workDir, "Keep logs, certificates and audit logs here");
  app.add_option("--json-out", options.jsonOut, "Where to write the JSON results");
}

std::vector<flood::Garbage> kindsOf(const Options& options) {
  if (options.kinds.empty()) return flood::allGarbage();
  std::vector<flood::Garbage> kinds;
  for (const auto& name : options.kinds) {
    auto kind = flood::parseGarbage(name);
    if (!kind) throw CLI::ValidationError("--kinds", "unknown kind '" + name + "'");
    kinds.push_back(*kind);
  }
  return kinds;
}

std::vector<flood::Route> routesOf(const Options& options) {
  std::vector<flood::Route> routes;
  for (const auto& name : options.routes) {
    auto route = flood::parseRoute(name);
    if (!route)
      throw CLI::ValidationError("--routes", "unknown route '" + name + "' (node, broadcast)");
    routes.push_back(*route);
  }
  return routes;
}

drover::Json environment(const Options& options, const drover::bench::Executables& exe) {
  drover::Json env = drover::bench::hostEnvironment();
  env.update({{"broker", exe.broker.string()},
              {"droverd", exe.droverd.string()},
              {"daemons", options.daemons},
              {"count", options.count},
              {"large_count", options.largeCount},
              {"signed_layout", options.layout},
              {"node_log_level", options.logLevel},
              {"log_window_ms", options.logWindowMs}});
  return env;
}

// The processes and the channel every run uses.
class Bench {
 public:
  Bench(const drover::bench::Executables& exe, const fs::path& dir, const Options& options)
      : secure_(drover::bench::makeSecureSetup(dir / "ca")),
        broker_(exe, dir, {.control = true}),
        sealer_(secure_.admin, *flood::parseLayout(options.layout)) {
    for (std::size_t k = 0; k < options.daemons; ++k) startDaemon(exe, dir, options, k);
    channel_.emplace(context_, broker_.endpoints(), sealer_, "drover");
    setup_.channel = &*channel_;
    setup_.context = &context_;
    setup_.brokerPid = broker_.pid();
    setup_.brokerControl = broker_.control();
    setup_.pingTimeout = std::chrono::milliseconds(options.pingTimeoutMs);
    setup_.logWindow = std::chrono::milliseconds(options.logWindowMs);
  }

  const flood::FloodSetup& setup() const { return setup_; }
  const flood::RequestSealer& sealer() const { return sealer_; }

 private:
  void startDaemon(const drover::bench::Executables& exe, const fs::path& dir,
                   const Options& options, std::size_t k) {
    std::string identity = "flood-node-" + std::to_string(k);
    fs::path nodeDir = dir / identity;
    drover::bench::DaemonSpec spec{
        identity, drover::bench::issueNodeFiles(secure_, nodeDir, identity), options.logLevel};
    daemons_.push_back(std::make_unique<drover::bench::DaemonProcess>(exe, broker_.endpoints(),
                                                                      nodeDir, spec, 30s));
    setup_.nodes.push_back(
        {identity, daemons_.back()->pid(), daemons_.back()->logPath(), spec.security->auditLog});
  }

  drover::bench::SecureSetup secure_;
  drover::bench::BrokerProcess broker_;
  std::vector<std::unique_ptr<drover::bench::DaemonProcess>> daemons_;
  flood::RequestSealer sealer_;
  zmq::context_t context_{1};
  std::optional<flood::FloodChannel> channel_;
  flood::FloodSetup setup_;
};

flood::RunResult measure(const Bench& bench, const Options& options, flood::Garbage kind,
                         flood::Route route, std::mt19937_64& random) {
  flood::GarbageContext context;
  context.replyTopic = bench.setup().channel->sinkTopic();
  context.otherNode = "flood-elsewhere";
  context.admin = &bench.sealer();
  std::size_t count = kind == flood::Garbage::Large ? options.largeCount : options.count;
  flood::Burst burst = flood::makeBurst(kind, count, context, random);
  std::fprintf(stderr, "drover-flood-bench: %s on %s: %zu messages\n",
               std::string(flood::toString(kind)).c_str(),
               std::string(flood::toString(route)).c_str(), count);
  return flood::runFlood(bench.setup(), kind, route, burst);
}

flood::RunResult failedRun(flood::Garbage kind, flood::Route route, std::string why) {
  flood::RunResult run;
  run.kind = kind;
  run.route = route;
  run.error = "FAILED, later runs skipped: " + why;
  return run;
}

flood::FloodReport runAll(const drover::bench::Executables& exe, const fs::path& dir,
                          const Options& options) {
  flood::FloodReport report;
  report.environment = environment(options, exe);
  Bench bench(exe, dir, options);
  // Fails early, and says why, when the node does not take our signatures.
  bench.setup().channel->call(bench.setup().nodes.front().identity, "daemon_stats", 10s);
  std::mt19937_64 random(std::random_device{}());
  for (flood::Route route : routesOf(options)) {
    for (flood::Garbage kind : kindsOf(options)) {
      for (std::size_t i = 0; i < options.repeat; ++i) {
        try {
          report.runs.push_back(measure(bench, options, kind, route, random));
        } catch (const std::runtime_error& e) {
          // The node (or the broker) stopped answering: later runs would measure nothing.
          report.runs.push_back(failedRun(kind, route, e.what()));
          return report;
        }
      }
    }
  }
  report.environment["loadavg_end"] = drover::bench::loadAverage();
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-flood-bench: what a flood of garbage costs a real droverd");
  app.footer(
      "Exit status: 0 measured; 2 bad flags; 3 a process failed or a node stopped answering.");
  Options options;
  drover::bench::Executables exe{DROVER_BENCH_BROKER, DROVER_BENCH_DROVERD, {}};
  addFlags(app, options, exe);
  try {
    app.parse(argc, argv);
    kindsOf(options);
    routesOf(options);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  drover::log::setLevel("warn");
  try {
    if (!options.binDir.empty()) {
      exe.broker = findBinary(options.binDir, "broker", "drover-broker");
      exe.droverd = findBinary(options.binDir, "node", "droverd");
    }
    std::optional<drover::testing::TempDir> temporary;
    fs::path dir = options.workDir.empty() ? temporary.emplace().path() : fs::path(options.workDir);
    fs::create_directories(dir);
    flood::FloodReport report = runAll(exe, dir, options);
    flood::printTable(stdout, report);
    drover::bench::writeJson(options.jsonOut, flood::toJson(report));
    std::printf("\nJSON written to %s\n", options.jsonOut.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-flood-bench: %s\n", e.what());
    return kExitFailed;
  }
  return 0;
}
