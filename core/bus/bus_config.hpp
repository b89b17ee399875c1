#pragma once
// The bus settings every Drover program shares (server.yaml, client.yaml,
// provisioner.yaml): which transport, and how to reach and authenticate to it. One
// table, included by each program's own, so the keys, flags, checks and documentation
// are the same everywhere.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/bus/curve.hpp"
#include "core/bus/transport.hpp"
#include "core/config/option_table.hpp"

namespace drover::bus {

struct BusConfig {
  std::string transport = "zmq";                         // zmq (the broker) or nats
  std::string brokerPublish = "tcp://127.0.0.1:7301";    // broker ingress: we publish here
  std::string brokerSubscribe = "tcp://127.0.0.1:7302";  // broker egress: we subscribe here
  std::string curveServerKey;          // broker's CURVE public key; empty: plain TCP
  std::filesystem::path curveKeyFile;  // our CURVE keypair (YAML, mode 0600)
  NatsSettings nats;

  /// The keys above, for a program's table to include.
  static const config::Table<BusConfig>& table();

  /// Where the bus is, as bus::connect() takes it.
  Endpoints endpoints() const;
  /// The CURVE settings (ZeroMQ only); std::nullopt for plain TCP. Throws CurveError
  /// when the key file is unusable.
  std::optional<CurveClient> curve() const;
};

}  // namespace drover::bus
