// drover-broker: binds the ingress, egress and control endpoints and forwards until
// SIGTERM/SIGINT. `drover-broker stats --control ENDPOINT` asks a running broker for
// its counters; `drover-broker keygen FILE` writes a CURVE keypair.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "broker/broker_config.hpp"
#include "broker/commands.hpp"
#include "core/log/log.hpp"
#include "core/util/build_info.hpp"

namespace {

void addStatsFlags(CLI::App& stats, drover::broker::StatsFlags& flags) {
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

}  // namespace

int main(int argc, char** argv) {
  using drover::broker::BrokerConfig;
  namespace broker = drover::broker;
  CLI::App app("drover-broker: the Drover message router (ZeroMQ XSUB/XPUB forwarder)");
  app.footer(
      "Exit status: 0 stopped cleanly; 2 bad flags or config; 3 cannot bind; 4 stats failed.");
  app.set_version_flag("--version", drover::util::versionText("drover-broker"));
  drover::config::CliOverrides overrides(BrokerConfig::table(), BrokerConfig::kDefaultFile);
  overrides.addFlags(app);
  std::string endpointsFile;
  app.add_option("--endpoints-file", endpointsFile,
                 "Write the bound endpoints here as JSON once listening (for tcp://...:* binds)");
  std::string keyFile;
  CLI::App* keygen =
      app.add_subcommand("keygen", "Write a new CURVE keypair file and print its public key");
  keygen->add_option("file", keyFile, "Key file to create (mode 0600)")->required();
  broker::StatsFlags statsFlags;
  CLI::App* stats = app.add_subcommand("stats", "Print a running broker's counters");
  addStatsFlags(*stats, statsFlags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : broker::kExitConfig;
  }
  if (stats->parsed()) return broker::stats(statsFlags);
  if (keygen->parsed()) return broker::keygen(keyFile);
  BrokerConfig config;
  try {
    config = BrokerConfig::load(overrides.configFile(), overrides);
    drover::log::setLevel(config.logLevel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-broker: %s\n", e.what());
    return broker::kExitConfig;
  }
  return broker::serve(config, endpointsFile);
}
