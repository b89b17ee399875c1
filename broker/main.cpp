// drover-broker: binds the ingress, egress and control endpoints and forwards until
// SIGTERM/SIGINT. `drover-broker stats --control ENDPOINT` asks a running broker for
// its counters.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/ranges.h>

#include "broker/router.hpp"
#include "core/bus/curve.hpp"
#include "core/config/broker_config.hpp"
#include "core/log/log.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace {

constexpr int kExitConfig = 2;  // bad flags or broker.yaml
constexpr int kExitBind = 3;    // an endpoint could not be bound
constexpr int kExitStats = 4;   // stats: the broker did not answer

std::atomic<bool> gStop{false};

extern "C" void onSignal(int) { gStop.store(true); }

int queryStats(const std::string& endpoint) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 3000);
  socket.connect(endpoint);
  socket.send(zmq::str_buffer("stats"), zmq::send_flags::none);
  zmq::message_t reply;
  if (!socket.recv(reply)) {
    std::fprintf(stderr, "drover-broker: no answer from %s within 3 s\n", endpoint.c_str());
    return kExitStats;
  }
  std::printf("%s\n", drover::Json::parse(reply.to_string()).dump(2).c_str());
  return 0;
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

void writeEndpoints(const std::string& file, const drover::broker::Router& router) {
  drover::Json doc{{"ingress", router.ingressEndpoints()},
                   {"egress", router.egressEndpoints()},
                   {"control", router.controlEndpoint()}};
  drover::util::writeFileAtomically(file, doc.dump() + "\n");
}

int serve(const drover::config::BrokerConfig& config, const std::string& endpointsFile) {
  auto logger = drover::log::get("drover.broker");
  drover::broker::RouterOptions options{config.ingress, config.egress, config.control, config.hwm};
  try {
    if (!config.curveKeyFile.empty()) options.curve = drover::bus::loadCurveKeyFile(config.curveKeyFile);
    if (!config.allowedClients.empty()) {
      if (!options.curve) throw drover::bus::CurveError("curve.allowed_clients needs curve.key_file");
      options.allowedClients = drover::bus::loadAllowedKeys(config.allowedClients);
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
  drover::config::CliOverrides overrides(drover::config::BrokerConfig::table(),
                                         drover::config::BrokerConfig::kDefaultFile);
  overrides.addFlags(app);
  std::string endpointsFile;
  app.add_option("--endpoints-file", endpointsFile,
                 "Write the bound endpoints here as JSON once listening (for tcp://...:* binds)");
  std::string keyFile;
  CLI::App* keygen = app.add_subcommand("keygen", "Write a new CURVE keypair file and print its public key");
  keygen->add_option("file", keyFile, "Key file to create (mode 0600)")->required();
  std::string statsEndpoint;
  CLI::App* stats = app.add_subcommand("stats", "Print a running broker's counters");
  stats->add_option("--control", statsEndpoint, "The broker's control endpoint")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitConfig;
  }
  if (stats->parsed()) return queryStats(statsEndpoint);
  if (keygen->parsed()) return writeKeys(keyFile);
  drover::config::BrokerConfig config;
  try {
    config = drover::config::BrokerConfig::load(overrides.configFile(), overrides);
    drover::log::setLevel(config.logLevel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-broker: %s\n", e.what());
    return kExitConfig;
  }
  return serve(config, endpointsFile);
}
