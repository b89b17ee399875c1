#pragma once
// Settings of a client of the collective (/etc/drover/client.yaml): the `drover` admin
// CLI's, whose curve.* keys `drover-broker stats --client-config` reads too, so they
// live in core beside the request/reply client.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/bus/bus_config.hpp"
#include "core/config/cli_overrides.hpp"
#include "core/config/defaults.hpp"
#include "core/config/option_table.hpp"

namespace drover::rpc {

struct ClientConfig {
  static constexpr const char* kDefaultFile = "/etc/drover/client.yaml";
  // First lines of the example config generated from table() (etc/).
  static constexpr const char* kExampleHeading =
      "client.yaml: settings of drover, the Drover admin command line.\n"
      "Every key is optional; the values shown are the defaults. Each key can also be\n"
      "set with the flag named beside it, which wins over this file.";

  std::string identity = config::userAtHost();  // who is asking, as callers see it
  std::string mainCollective = "drover";        // collective addressed by default
  bus::BusConfig bus;  // transport, broker or NATS servers, and how to authenticate
  // Message security: requests are signed with certFile/keyFile, replies verified.
  bool securityEnabled = true;
  std::filesystem::path caFile = "/etc/drover/ssl/ca.pem";
  std::filesystem::path crlFile = "/etc/drover/ssl/crl.pem";
  std::filesystem::path certFile = config::homePath(".drover/ssl/cert.pem");
  std::filesystem::path keyFile = config::homePath(".drover/ssl/key.pem");
  // What shell completion offers of the fleet (cli/completion_cache.hpp); empty: none kept.
  std::filesystem::path completionCache = config::cachePath("drover/inventory.json");
  std::vector<std::string> ddlDirs = config::defaultDdlDirs();
  std::chrono::seconds timeout{10};               // most a call waits for expected nodes
  std::chrono::milliseconds discoveryQuiet{150};  // silence that ends broadcast discovery
  // How a filter finds its nodes: "broadcast" (ask them all; the quiet window ends it) or
  // "registry" (ask a provisioner's registry, then the found nodes directly).
  std::string discoveryMethod = "broadcast";
  std::chrono::milliseconds registryTimeout{2000};  // wait for a registry's answer
  std::chrono::seconds ttl{60};                     // validity of the requests we send
  std::string logLevel = "warn";

  /// The option table of client.yaml.
  static const config::Table<ClientConfig>& table();

  /// Defaults, then `file` (none when empty), then the flags in `cli`.
  /// Throws config::Error listing every problem, each naming file:line:column or flag, and key.
  static ClientConfig load(const std::filesystem::path& file, const config::CliOverrides& cli = {});
};

}  // namespace drover::rpc
