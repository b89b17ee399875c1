// drover-provisioner: loads provisioner.yaml (flags override it), starts the Daemon and
// maps failures to the exit codes listed in --help.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "core/log/log.hpp"
#include "core/util/build_info.hpp"
#include "provisioner/daemon.hpp"
#include "provisioner/provisioner_config.hpp"

namespace {
constexpr int kExitConfig = 2;   // bad flags, provisioner.yaml or flow file
constexpr int kExitStartup = 3;  // state database, events file or metrics address unusable
}  // namespace

int main(int argc, char** argv) {
  using drover::provisioner::ProvisionerConfig;
  CLI::App app("drover-provisioner: provisions the nodes that join the Drover bus");
  app.footer(
      "Exit status: 0 stopped by SIGTERM/SIGINT; 2 bad flags, config or flow file; "
      "3 startup failed.");
  app.set_version_flag("--version", drover::util::versionText("drover-provisioner"));
  drover::config::CliOverrides overrides(ProvisionerConfig::table(),
                                         ProvisionerConfig::kDefaultFile);
  overrides.addFlags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitConfig;
  }
  ProvisionerConfig config;
  try {
    config = ProvisionerConfig::load(overrides.configFile(), overrides);
    drover::log::setLevel(config.logLevel);
    if (!config.logFile.empty()) drover::log::setFile(config.logFile.string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-provisioner: %s\n", e.what());
    return kExitConfig;
  }
  std::unique_ptr<drover::provisioner::Daemon> daemon;
  try {
    daemon = std::make_unique<drover::provisioner::Daemon>(config);
  } catch (const drover::provisioner::FlowError& e) {
    std::fprintf(stderr, "drover-provisioner: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-provisioner: cannot start: %s\n", e.what());
    return kExitStartup;
  }
  try {
    return daemon->run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-provisioner: %s\n", e.what());
    return kExitStartup;
  }
}
