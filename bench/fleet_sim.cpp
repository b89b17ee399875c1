// drover-fleet-sim: runs --count virtual nodes in this process, each with its own
// identity, facts, rpcutil agent and broker connection, and answers requests until
// SIGTERM or SIGINT. --ready-file is written once every node's broker probe answered.
// With --security-dir every node has its own key and certificate from that CA and
// verifies, authorizes, audits and signs as droverd does.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <sys/signalfd.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include "bench/fleet/fleet.hpp"
#include "core/log/log.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace {

constexpr int kExitUsage = 2;    // bad flags
constexpr int kExitStartup = 3;  // nodes could not be built or did not reach the broker

// Blocks the stop signals before any thread exists (ZeroMQ's I/O threads inherit the
// mask), so only the poll loop sees them, through the returned signalfd.
int stopSignalFdOrDie() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) return -1;
  return ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

void writeReadyFile(const std::string& path, const drover::bench::FleetOptions& options,
                    long long readyMs) {
  drover::Json doc{{"pid", static_cast<long>(::getpid())},
                   {"count", options.count},
                   {"first_index", options.firstIndex},
                   {"index_stride", options.indexStride},
                   {"prefix", options.prefix},
                   {"security", options.securityDir.empty() ? "disabled" : "enforcing"},
                   {"ready_ms", readyMs}};
  drover::util::writeFileAtomically(path, doc.dump() + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-fleet-sim: many virtual Drover nodes in one process, for benchmarks");
  app.footer("Exit status: 0 stopped by SIGTERM/SIGINT; 2 bad flags; 3 startup failed.");
  drover::bench::FleetOptions options;
  options.ddlDirs = {DROVER_BENCH_DDL_DIR};
  std::string readyFile;
  std::string logLevel = "info";
  app.add_option("--count", options.count, "Virtual nodes to run")->check(CLI::Range(1, 100000));
  app.add_option("--first-index", options.firstIndex,
                 "Index of the first node, when several simulators split one fleet");
  app.add_option(
         "--index-stride", options.indexStride,
         "Distance between this simulator's indices (K simulators: --first-index k, stride K)")
      ->check(CLI::PositiveNumber);
  app.add_option("--prefix", options.prefix, "Identity prefix: nodes are PREFIX-NNNN");
  app.add_option("--collective", options.collective, "Collective the nodes join");
  app.add_option("--broker-publish", options.endpoints.publish, "Broker ingress endpoint");
  app.add_option("--broker-subscribe", options.endpoints.subscribe, "Broker egress endpoint");
  app.add_option_function<std::string>(
         "--bus-transport",
         [&](const std::string& name) {
           options.endpoints.transport = *drover::bus::transportNamed(name);
         },
         "zmq (the broker, default) or nats")
      ->check(CLI::IsMember({"zmq", "nats"}));
  app.add_option("--nats-servers", options.endpoints.nats.servers, "NATS server URLs")
      ->delimiter(',');
  app.add_option("--ddl-dirs", options.ddlDirs, "Directories holding rpcutil.json")->delimiter(',');
  app.add_option("--io-threads", options.ioThreads, "ZeroMQ I/O threads")->check(CLI::Range(1, 16));
  app.add_option("--trace-file", options.traceFile,
                 "At exit, write per-request timings here (JSON lines)");
  app.add_option("--ready-file", readyFile, "Written (JSON) once every node reached the broker");
  app.add_option("--security-dir", options.securityDir,
                 "CA directory (drover cert ca create --dir): nodes get certificates from it and "
                 "enforce security")
      ->check(CLI::ExistingDirectory);
  app.add_option(
      "--audit-log", options.auditLog,
      "With --security-dir: the nodes' audit file [TMPDIR/drover-fleet-sim-PID.audit.jsonl, "
      "removed at exit]");
  app.add_option("--log-level", logLevel, "Log level");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  drover::log::setLevel(logLevel);
  bool ownAuditLog = !options.securityDir.empty() && options.auditLog.empty();
  if (ownAuditLog) {
    options.auditLog = std::filesystem::temp_directory_path() /
                       ("drover-fleet-sim-" + std::to_string(::getpid()) + ".audit.jsonl");
  }
  auto removeOwnAuditLog = [&] {
    std::error_code ignored;
    if (ownAuditLog) std::filesystem::remove(options.auditLog, ignored);
  };
  auto logger = drover::log::get("drover.bench.fleet_sim");
  int stopFd = stopSignalFdOrDie();
  if (stopFd < 0) {
    std::fprintf(stderr, "drover-fleet-sim: signalfd: %s\n", std::strerror(errno));
    return kExitStartup;
  }
  try {
    auto started = drover::util::SteadyClock::now();
    drover::bench::Fleet fleet(options);
    if (std::size_t missing = fleet.waitReady(); missing > 0) {
      logger->critical("{} of {} nodes did not reach the broker", missing, fleet.size());
      removeOwnAuditLog();
      return kExitStartup;
    }
    fleet.announceAll();
    auto readyMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                       drover::util::SteadyClock::now() - started)
                       .count();
    if (!readyFile.empty()) writeReadyFile(readyFile, options, readyMs);
    logger->info("{} nodes ({}-{} onwards, every {}) ready in {} ms, security {}", fleet.size(),
                 options.prefix, options.firstIndex, options.indexStride, readyMs,
                 options.securityDir.empty() ? "disabled" : "enforcing");
    fleet.run(stopFd);
    auto totals = fleet.totals();
    logger->info(
        "stopping: received={} answered={} ignored={} refused={} malformed={} dropped={} "
        "wakeups={}",
        totals.counters.received, totals.counters.answered, totals.counters.ignored,
        totals.counters.refused, totals.counters.malformed, totals.counters.dropped,
        totals.wakeups);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-fleet-sim: %s\n", e.what());
    removeOwnAuditLog();
    return kExitStartup;
  }
  if (!readyFile.empty()) std::remove(readyFile.c_str());
  removeOwnAuditLog();
  return 0;
}
