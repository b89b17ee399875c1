#include "tests/conformance/samples.hpp"

#include <map>

namespace drover::conformance {
namespace {

const std::string kFingerprint =
    "1A:0D:32:EE:67:CE:B4:6B:06:23:B2:55:58:8E:F3:BC:FB:E9:46:EF:49:98:75:9D:8F:47:E9:0F:26:0B:02:"
    "72";

// An ed25519 public key (any valid one will do: nothing logs in with it).
const std::string kPublicKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@desk";

const std::map<std::string, Json>& samples() {
  static const std::map<std::string, Json> kSamples{
      {"rpcutil#ping", Json::object()},
      {"rpcutil#inventory", Json::object()},
      {"rpcutil#get_fact", {{"fact", "os.family"}}},
      {"rpcutil#get_facts", {{"facts", "os.family, role"}}},
      {"rpcutil#agent_inventory", Json::object()},
      {"rpcutil#collective_info", Json::object()},
      {"rpcutil#daemon_stats", Json::object()},
      {"puppet#runonce",
       {{"environment", "production"}, {"splay", true}, {"splaylimit", 1}, {"noop", true}}},
      {"puppet#status", Json::object()},
      {"puppet#last_run_summary", Json::object()},
      {"puppet#disable", {{"message", "maintenance until 18:00"}}},
      {"puppet#enable", Json::object()},
      {"provision#set_puppet_server", {{"name", "puppet.example"}, {"address", "192.0.2.10"}}},
      {"provision#request_certificate",
       {{"certname", "n1.example"},
        {"server", "puppet.example"},
        {"port", 8140},
        {"reset_ssl", true}}},
      {"provision#certificate_status", {{"certname", "n1.example"}}},
      {"provision#run_puppet",
       {{"environment", "production"}, {"server", "puppet.example"}, {"port", 8140}}},
      {"provision#status", Json::object()},
      {"provision#claim", {{"owner", "prov1.provisioner"}, {"lease_seconds", 300}}},
      {"provision#release", {{"owner", "prov1.provisioner"}}},
      {"provision#enrol", Json::object()},
      {"provision#install_certificate", {{"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n"}}},
      {"provision#set_node_data", {{"data", {{"role", "web"}, {"ntp_servers", {"192.0.2.1"}}}}}},
      {"provision#apply", {{"environment", "production"}, {"manifest", "manifests/site.pp"}}},
      {"naming#set_name",
       {{"name", "db-master"}, {"fqdn", "db-master.example"}, {"aliases", {"mongo"}}}},
      {"naming#update_hosts",
       {{"version", 1},
        {"domain", "example"},
        {"entries", {{{"address", "192.0.2.5"}, {"names", {"db-master", "mongo"}}}}}}},
      {"naming#status", Json::object()},
      {"cluster#ssh_keys", Json::object()},
      {"cluster#set_trust",
       {{"version", 1},
        {"authorized_keys", {kPublicKey}},
        {"known_hosts", {{{"names", {"db-master", "192.0.2.5"}}, {"key", kPublicKey}}}}}},
      {"cluster#set_facts",
       {{"deployment", "shop"},
        {"version", 1},
        {"facts", {{"db-master", {{"address", "192.0.2.5"}}}}}}},
      {"cluster#put_chunk",
       {{"digest", "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"},
        {"size", 1},
        {"offset", 0},
        {"data", "eA=="}}},
      {"cluster#run_stage",
       {{"stage", 0},
        {"digest", "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"},
        {"args", {"--quick"}},
        {"params", {{"db_host", "192.0.2.5"}}},
        {"deployment", "shop"},
        {"timeout", 60}}},
      {"cluster#stages", Json::object()},
      {"cluster#write_file",
       {{"path", "/etc/app/app.conf"},
        {"content", "db_host = 192.0.2.5\n"},
        {"owner", "root"},
        {"group", "root"},
        {"mode", "0640"}}},
      {"puppetca#list", Json::object()},
      {"puppetca#sign",
       {{"certname", "n1.example"}, {"key_fingerprint", kFingerprint}, {"clean_mismatch", true}}},
      {"puppetca#clean", {{"certname", "n1.example"}}},
      {"puppetca#status", {{"certname", "n1.example"}, {"key_fingerprint", kFingerprint}}},
  };
  return kSamples;
}

}  // namespace

std::optional<Json> validInputs(const std::string& agent, const std::string& action) {
  auto it = samples().find(agent + "#" + action);
  if (it == samples().end()) return std::nullopt;
  return it->second;
}

}  // namespace drover::conformance
