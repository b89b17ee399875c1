#pragma once
// Settings of drover-broker (/etc/drover/broker.yaml).
#include <filesystem>
#include <string>
#include <vector>

#include "core/config/cli_overrides.hpp"
#include "core/config/option_table.hpp"

namespace drover::broker {

struct BrokerConfig {
  static constexpr const char* kDefaultFile = "/etc/drover/broker.yaml";
  // First lines of the example config generated from table() (etc/).
  static constexpr const char* kExampleHeading =
      "broker.yaml: settings of drover-broker, the Drover message router.\n"
      "Every key is optional; the values shown are the defaults. Each key can also be\n"
      "set with the flag named beside it, which wins over this file.";

  // Bind endpoints where processes publish (XSUB side).
  std::vector<std::string> ingress{"tcp://127.0.0.1:7301"};
  // Bind endpoints where processes subscribe (XPUB side).
  std::vector<std::string> egress{"tcp://127.0.0.1:7302"};
  std::string control;                   // bind endpoint answering stats requests; empty: none
  std::string metricsListen;             // HOST:PORT of GET /metrics (Prometheus); empty: none
  std::filesystem::path curveKeyFile;    // broker CURVE keypair; empty: plain TCP
  std::filesystem::path allowedClients;  // public keys allowed to connect; empty: any
  std::filesystem::path adminClients;    // public keys allowed on the control socket
  int hwm = 100000;  // messages queued per peer before ZeroMQ must drop; 0: no limit
  std::string logLevel = "info";

  /// The option table of broker.yaml.
  static const config::Table<BrokerConfig>& table();

  /// Defaults, then `file` (none when empty), then the flags in `cli`, then the checks.
  /// Throws config::Error listing every problem, each naming file:line:column or flag, and key.
  static BrokerConfig load(const std::filesystem::path& file, const config::CliOverrides& cli = {});
};

}  // namespace drover::broker
