#pragma once
// What drover-broker does once its flags are read: serve, `keygen` and `stats`. Each
// returns the program's exit status and reports failures itself (log or stderr).
#include <string>

#include "broker/broker_config.hpp"

namespace drover::broker {

constexpr int kExitConfig = 2;  // bad flags or broker.yaml
constexpr int kExitBind = 3;    // an endpoint could not be bound
constexpr int kExitStats = 4;   // stats: the broker did not answer

/// Serves `config` until SIGTERM or SIGINT; writes the bound endpoints to
/// `endpointsFile` (when not empty) once listening.
int serve(const BrokerConfig& config, const std::string& endpointsFile);

/// Writes a new CURVE keypair to `file` (never over an existing one) and prints its
/// public key.
int keygen(const std::string& file);

/// What `drover-broker stats` was given: flags win over the --client-config file.
struct StatsFlags {
  std::string endpoint;
  std::string serverKey;
  std::string keyFile;
  std::string clientConfig;
  int timeoutMs = 3000;
};

/// Prints a running broker's counters as JSON.
int stats(const StatsFlags& flags);

}  // namespace drover::broker
