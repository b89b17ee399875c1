// drover-broker: binds the ingress, egress and control endpoints and forwards until
// SIGTERM/SIGINT. `drover-broker stats --control ENDPOINT` asks a running broker for
// its counters.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/ranges.h>

#include "broker/broker_config.hpp"
#include "broker/router.hpp"
#include "broker/stats_client.hpp"
#include "core/bus/curve.hpp"
#include "core/log/log.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace {

constexpr int kExitConfig = 2;  // bad flags or broker.yaml
constexpr int kExitBind = 3;    // an endpoint could not be bound
constexpr int kExitStats = 4;   // stats: the broker did not answer

std::atomic<bool> gStop{false};

extern "C" void onSignal(int) { gStop.store(true); }

// What `drover-broker stats` was given: flags win over the --client-config file.
struct StatsFlags {
  std::string endpoint;
  std::string serverKey;
  std::string keyFile;
  std::string clientConfig;
  int timeoutMs = 3000;
};

int queryStats(const StatsFlags& flags) {
  drover::broker::StatsRequest request{flags.endpoint, std::nullopt,
                                       std::chrono::milliseconds(flags.timeoutMs)};
  try {
    request.curve =
        drover::broker::statsCurveFrom(flags.serverKey, flags.keyFile, flags.clientConfig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-broker stats: %s\n", e.what());
    return kExitConfig;
  }
  zmq::context_t context(1);
  drover::broker::StatsAnswer answer;
  try {
    answer = drover::broker::fetchStats(context, request);
  } catch (const zmq::error_t& e) {
    std::fprintf(stderr, "drover-broker stats: --control %s: %s\n", flags.endpoint.c_str(), e.what());
    return kExitConfig;
  }
  if (!answer.stats) {
    std::fprintf(stderr, "drover-broker stats: %s\n", answer.error.c_str());
    return kExitStats;
  }
  std::printf("%s\n", answer.stats->dump(2).c_str());
  return 0;
}

void addStatsFlags(CLI::App& stats, StatsFlags& flags) {
  stats.add_option("--control", flags.endpoint, "The broker's control endpoint")->required();
  stats.add_option("--curve-server-key", flags.serverKey,
                   "The broker's CURVE public key (Z85), when it serves CURVE");
  stats.add_option("--curve-key-file", flags.keyFile,
                   "Our CURVE keypair file; its public key must be in the broker's "
                   "curve.admin_clients (or be the broker's own)");
  stats.add_option("--client-config", flags.clientConfig,
                   "A client.yaml whose curve.server_key and curve.key_file to use (flags win)");
  stats.add_option("--timeout-ms", flags.timeoutMs, "How long to wait for the answer")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
}

int writeKeys(const std::string& file) {
  if (std::filesystem::exists(file)) {
    std::fprintf(stderr, "drover-broker: %s exists; not overwriting a key\n", file.c_str());
    return kExitConfig;
  }
  auto keys = drover::bus::generateCurveKeys();
  drover::bus::writeCurveKeyFile(file, keys);
  std::printf("%s\n", keys.publicKey.c_str());
  return 0;
}

// Without CURVE the control socket admits anyone who reaches it: say so unless only
// this host can (loopback or ipc).
void warnOpenControl(const std::string& control, bool curve) {
  if (curve || control.empty()) return;
  for (const char* local : {"ipc://", "tcp://127.", "tcp://localhost:", "tcp://[::1]:"}) {
    if (control.starts_with(local)) return;
  }
  drover::log::get("drover.broker")
      ->warn("control endpoint {} admits any peer that reaches it (no CURVE): anyone there "
             "can read the counters; bind it to loopback or set curve.key_file",
             control);
}

void writeEndpoints(const std::string& file, const drover::broker::Router& router) {
  drover::Json doc{{"ingress", router.ingressEndpoints()},
                   {"egress", router.egressEndpoints()},
                   {"control", router.controlEndpoint()}};
  drover::util::writeFileAtomically(file, doc.dump() + "\n");
}

int serve(const drover::broker::BrokerConfig& config, const std::string& endpointsFile) {
  auto logger = drover::log::get("drover.broker");
  drover::broker::RouterOptions options{config.ingress, config.egress, config.control, config.hwm,
                                        {}, {}, {}};
  try {
    if (!config.curveKeyFile.empty()) options.curve = drover::bus::loadCurveKeyFile(config.curveKeyFile);
    if (!config.allowedClients.empty()) {
      if (!options.curve) throw drover::bus::CurveError("curve.allowed_clients needs curve.key_file");
      options.allowedClients = drover::bus::loadAllowedKeys(config.allowedClients);
    }
    if (!config.adminClients.empty()) {
      if (!options.curve) throw drover::bus::CurveError("curve.admin_clients needs curve.key_file");
      options.adminClients = drover::bus::loadAllowedKeys(config.adminClients);
    }
  } catch (const drover::bus::CurveError& e) {
    logger->critical("{}", e.what());
    return kExitConfig;
  }
  zmq::context_t context(1);
  std::unique_ptr<drover::broker::Router> router;
  try {
    router = std::make_unique<drover::broker::Router>(context, options);
  } catch (const zmq::error_t& e) {
    logger->critical("cannot bind (ingress {}, egress {}, control '{}'): {}",
                     fmt::join(config.ingress, ","), fmt::join(config.egress, ","), config.control,
                     e.what());
    return kExitBind;
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  if (!endpointsFile.empty()) writeEndpoints(endpointsFile, *router);
  warnOpenControl(router->controlEndpoint(), options.curve.has_value());
  logger->info("forwarding: ingress={} egress={} control={}",
               fmt::join(router->ingressEndpoints(), ","), fmt::join(router->egressEndpoints(), ","),
               router->controlEndpoint().empty() ? "none" : router->controlEndpoint());
  router->run(gStop);
  logger->info("stopping: {}", router->stats().toJson().dump());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-broker: the Drover message router (ZeroMQ XSUB/XPUB forwarder)");
  app.footer("Exit status: 0 stopped cleanly; 2 bad flags or config; 3 cannot bind; 4 stats failed.");
  drover::config::CliOverrides overrides(drover::broker::BrokerConfig::table(),
                                         drover::broker::BrokerConfig::kDefaultFile);
  overrides.addFlags(app);
  std::string endpointsFile;
  app.add_option("--endpoints-file", endpointsFile,
                 "Write the bound endpoints here as JSON once listening (for tcp://...:* binds)");
  std::string keyFile;
  CLI::App* keygen = app.add_subcommand("keygen", "Write a new CURVE keypair file and print its public key");
  keygen->add_option("file", keyFile, "Key file to create (mode 0600)")->required();
  StatsFlags statsFlags;
  CLI::App* stats = app.add_subcommand("stats", "Print a running broker's counters");
  addStatsFlags(*stats, statsFlags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitConfig;
  }
  if (stats->parsed()) return queryStats(statsFlags);
  if (keygen->parsed()) return writeKeys(keyFile);
  drover::broker::BrokerConfig config;
  try {
    config = drover::broker::BrokerConfig::load(overrides.configFile(), overrides);
    drover::log::setLevel(config.logLevel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-broker: %s\n", e.what());
    return kExitConfig;
  }
  return serve(config, endpointsFile);
}
