#include "broker/broker_config.hpp"
#include "core/service/metrics_endpoint.hpp"

#include <map>

#include "core/config/checks.hpp"
#include "core/config/diagnostics.hpp"
#include "core/config/loader.hpp"

namespace drover::broker {
namespace {

using config::Diagnostics;
namespace checks = config::checks;

// Each endpoint can be bound once: an empty side or a shared endpoint fails at startup.
// A wildcard port (tcp://127.0.0.1:*) picks a fresh port per bind, so it may repeat.
void finishEndpoints(BrokerConfig& config, Diagnostics& diag) {
  if (config.ingress.empty()) diag.badValue("ingress", "needs at least one endpoint");
  if (config.egress.empty()) diag.badValue("egress", "needs at least one endpoint");
  std::map<std::string, std::string> boundBy;  // endpoint -> key that binds it
  auto claim = [&](const std::string& key, const std::string& endpoint) {
    if (endpoint.ends_with(":*")) return;
    auto [first, fresh] = boundBy.emplace(endpoint, key);
    if (!fresh) diag.badValue(key, "'" + endpoint + "' is already bound by " + first->second);
  };
  for (const auto& endpoint : config.ingress) claim("ingress", endpoint);
  for (const auto& endpoint : config.egress) claim("egress", endpoint);
  if (!config.control.empty()) claim("control", config.control);
}

config::Table<BrokerConfig> makeTable() {
  config::Table<BrokerConfig> t;
  t.add("ingress", &BrokerConfig::ingress,
        "Endpoints bound for publishers (requests, replies, registrations)")
      .checkedBy(checks::bindEndpoint());
  t.add("egress", &BrokerConfig::egress, "Endpoints bound for subscribers")
      .checkedBy(checks::bindEndpoint());
  t.add("control", &BrokerConfig::control,
        "Endpoint bound to answer stats requests; empty for none")
      .checkedBy(checks::optionalBindEndpoint());
  t.add("metrics.listen", &BrokerConfig::metricsListen,
        "HOST:PORT serving Prometheus metrics over HTTP (GET /metrics); empty: none")
      .checkedBy(
          {"empty, or HOST:PORT such as 127.0.0.1:9312 or [::1]:9312",
           [](const std::string& text) { return text.empty() || service::isListenAddress(text); }});
  t.add("curve.key_file", &BrokerConfig::curveKeyFile,
        "File with the broker's CURVE keypair; every peer must then speak CURVE");
  t.add("curve.allowed_clients", &BrokerConfig::allowedClients,
        "File listing the CURVE public keys allowed to connect, one per line; empty: any");
  t.add("curve.admin_clients", &BrokerConfig::adminClients,
        "File listing the CURVE public keys allowed on the control socket (besides the "
        "broker's own key), one per line");
  t.add("hwm", &BrokerConfig::hwm,
        "Messages queued per peer before ZeroMQ must drop; 0 for no limit")
      .between(0, 10000000);
  t.add("log_level", &BrokerConfig::logLevel, "Log level").checkedBy(checks::logLevel());
  t.finishWith(finishEndpoints);
  return t;
}

}  // namespace

const config::Table<BrokerConfig>& BrokerConfig::table() {
  static const config::Table<BrokerConfig> kTable = makeTable();
  return kTable;
}

BrokerConfig BrokerConfig::load(const std::filesystem::path& file,
                                const config::CliOverrides& cli) {
  return config::load(table(), file, cli);
}

}  // namespace drover::broker
