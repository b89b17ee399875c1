// droverd: the node daemon. Loads server.yaml (flags override it), starts the
// Daemon and maps failures to the exit codes listed in --help.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "core/log/log.hpp"
#include "core/util/build_info.hpp"
#include "node/daemon.hpp"
#include "node/node_config.hpp"

namespace {
constexpr int kExitConfig = 2;   // bad flags or server.yaml
constexpr int kExitStartup = 3;  // facts, DDLs or built-in agents could not load
}  // namespace

int main(int argc, char** argv) {
  CLI::App app("droverd: the Drover node daemon");
  app.footer("Exit status: 0 stopped by SIGTERM/SIGINT; 2 bad flags or config; 3 startup failed.");
  app.set_version_flag("--version", drover::util::versionText("droverd"));
  drover::config::CliOverrides overrides(drover::node::NodeConfig::table(),
                                         drover::node::NodeConfig::kDefaultFile);
  overrides.addFlags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitConfig;
  }
  drover::node::NodeConfig config;
  try {
    config = drover::node::NodeConfig::load(overrides.configFile(), overrides);
    drover::log::setLevel(config.logLevel);
    if (!config.logFile.empty()) drover::log::setFile(config.logFile.string());
    config.identity = config.stableIdentity();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "droverd: %s\n", e.what());
    return kExitConfig;
  }
  try {
    drover::node::Daemon daemon(config);
    return daemon.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "droverd: node %s cannot start: %s\n", config.identity.c_str(), e.what());
    return kExitStartup;
  }
}
