#include "core/bus/bus_config.hpp"

#include <charconv>
#include <string>
#include <vector>

#include "core/config/checks.hpp"
#include "core/config/diagnostics.hpp"

namespace drover::bus {
namespace {

namespace checks = config::checks;
using config::Diagnostics;
using config::Table;

// nats://HOST:PORT or tls://HOST:PORT, with optional user info before the host.
bool isNatsUrl(const std::string& url) {
  std::string_view rest = url;
  if (rest.rfind("nats://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("tls://", 0) == 0) {
    rest.remove_prefix(6);
  } else {
    return false;
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : rest.substr(0, colon)) {
    if (c == '/' || c == ' ' || c == '@') return false;
  }
  std::string_view port = rest.substr(colon + 1);
  int number = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  return error == std::errc() && end == port.data() + port.size() && number > 0 && number < 65536;
}

void addTransportOptions(Table<BusConfig>& t) {
  t.add("bus.transport", &BusConfig::transport,
        "The bus: zmq (drover-broker, the default) or nats (a NATS server or cluster)")
      .checkedBy(
          {"zmq or nats", [](const std::string& v) { return transportNamed(v).has_value(); }});
  t.add("broker.publish", &BusConfig::brokerPublish,
        "zmq: broker ingress, where this process publishes")
      .checkedBy(checks::endpoint());
  t.add("broker.subscribe", &BusConfig::brokerSubscribe,
        "zmq: broker egress, where this process subscribes")
      .checkedBy(checks::endpoint());
  t.add("curve.server_key", &BusConfig::curveServerKey,
        "zmq: broker's CURVE public key (Z85); set with curve.key_file to encrypt the bus")
      .checkedBy(checks::optionalCurveKey());
  t.add("curve.key_file", &BusConfig::curveKeyFile,
        "zmq: file with this process's CURVE keypair (drover-broker keygen writes one)");
}

Table<NatsSettings> makeNatsTable() {
  Table<NatsSettings> t;
  t.add("nats.servers", &NatsSettings::servers,
        "nats: servers of the cluster (nats://HOST:PORT, tls://HOST:PORT); the connection "
        "moves to another when its server goes")
      .checkedBy({"a URL such as nats://HOST:PORT or tls://HOST:PORT", isNatsUrl});
  t.add("nats.ca_file", &NatsSettings::caFile,
        "nats: PEM CA the servers' TLS certificates chain to (turns TLS on)");
  t.add("nats.cert_file", &NatsSettings::certFile,
        "nats: PEM TLS client certificate, for servers that verify clients (with key_file)");
  t.add("nats.key_file", &NatsSettings::keyFile, "nats: PEM key of cert_file (mode 0600)");
  t.add("nats.credentials_file", &NatsSettings::credentialsFile,
        "nats: a .creds file (user JWT and NKEY seed) for servers run with accounts");
  t.add("nats.nkey", &NatsSettings::nkey, "nats: NKEY public key (U...), with nkey_seed_file");
  t.add("nats.nkey_seed_file", &NatsSettings::nkeySeedFile,
        "nats: file holding the NKEY's seed (SU..., mode 0600)");
  t.add("nats.user", &NatsSettings::user, "nats: user name, with password_file");
  t.add("nats.password_file", &NatsSettings::passwordFile,
        "nats: file whose first line is the user's password (mode 0600)");
  t.add("nats.token_file", &NatsSettings::tokenFile,
        "nats: file whose first line is an authorization token (mode 0600)");
  return t;
}

// Settings that only make sense together, or not at all with the chosen transport.
void checkPairs(BusConfig& c, Diagnostics& diag) {
  auto pair = [&](bool a, bool b, const char* keyA, const char* keyB) {
    if (a && !b) diag.badValue(keyA, std::string("needs ") + keyB + " as well");
    if (b && !a) diag.badValue(keyB, std::string("needs ") + keyA + " as well");
  };
  const NatsSettings& n = c.nats;
  pair(!n.certFile.empty(), !n.keyFile.empty(), "nats.cert_file", "nats.key_file");
  pair(!n.nkey.empty(), !n.nkeySeedFile.empty(), "nats.nkey", "nats.nkey_seed_file");
  pair(!n.user.empty(), !n.passwordFile.empty(), "nats.user", "nats.password_file");
  std::vector<const char*> ways;  // how the connection proves who it is: one at most
  if (!n.credentialsFile.empty()) ways.push_back("nats.credentials_file");
  if (!n.nkey.empty()) ways.push_back("nats.nkey");
  if (!n.user.empty()) ways.push_back("nats.user");
  if (!n.tokenFile.empty()) ways.push_back("nats.token_file");
  if (ways.size() > 1) {
    diag.badValue(ways[1], std::string("conflicts with ") + ways[0] +
                               ": give one of nats.credentials_file, nats.nkey, nats.user "
                               "and nats.token_file");
  }
  if (c.transport == "nats" && (!c.curveServerKey.empty() || !c.curveKeyFile.empty())) {
    diag.badValue(c.curveServerKey.empty() ? "curve.key_file" : "curve.server_key",
                  "CURVE is for the zmq transport; NATS connections use TLS (nats.ca_file)");
  }
  if (c.transport == "nats" && n.servers.empty()) diag.badValue("nats.servers", "is empty");
}

Table<BusConfig> makeTable() {
  Table<BusConfig> t;
  addTransportOptions(t);
  static const Table<NatsSettings> kNats = makeNatsTable();
  t.include(&BusConfig::nats, kNats);
  t.finishWith(checkPairs);
  return t;
}

}  // namespace

const Table<BusConfig>& BusConfig::table() {
  static const Table<BusConfig> kTable = makeTable();
  return kTable;
}

Endpoints BusConfig::endpoints() const {
  Endpoints e;
  e.publish = brokerPublish;
  e.subscribe = brokerSubscribe;
  e.transport = transportNamed(transport).value_or(TransportKind::Zmq);
  e.nats = nats;
  return e;
}

std::optional<CurveClient> BusConfig::curve() const {
  return curveClientFrom(curveServerKey, curveKeyFile);
}

}  // namespace drover::bus
