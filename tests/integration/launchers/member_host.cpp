#include "tests/integration/launchers/member_host.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "core/util/subprocess.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string run(const std::vector<std::string>& argv) {
  util::SubprocessOptions options;
  options.environment = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin", "LANG=C"};
  return util::runProcess(argv, "", 60s, options).out;
}

bool subnetInUse(const std::string& prefix) {
  return run({"ip", "-4", "addr", "show"}).find(" " + prefix) != std::string::npos;
}

}  // namespace

TestNetwork TestNetwork::pick() {
  const unsigned pid = static_cast<unsigned>(::getpid());
  for (unsigned i = 0; i < 250; ++i) {
    unsigned third = (pid + i) % 250 + 1;
    std::string prefix = "10.214." + std::to_string(third) + ".";
    std::string bridge = "dlt" + std::to_string(pid % 100000) + "x" + std::to_string(i);
    if (subnetInUse(prefix) || linkExists(bridge)) continue;
    return {bridge, prefix + "0/24", prefix + "1"};
  }
  throw std::runtime_error("no free 10.214.X.0/24 subnet for the test");
}

Broker::Broker(const fs::path& dir, const std::string& gateway, int ingress, int egress) {
  const fs::path endpointsFile = dir / "broker-endpoints.json";
  auto at = [](const std::string& host, int port) {
    return "tcp://" + host + ":" + std::to_string(port);
  };
  process_.emplace(
      std::vector<std::string>{testing::binary("drover-broker").string(), "--ingress",
                               at("127.0.0.1", ingress), "--ingress", at(gateway, ingress),
                               "--egress", at("127.0.0.1", egress), "--egress", at(gateway, egress),
                               "--endpoints-file", endpointsFile.string()},
      dir / "broker.log");
  bool up =
      testing::waitFor([&] { return fs::exists(endpointsFile) || !process_->running(); }, 15s);
  if (!up || !fs::exists(endpointsFile)) {
    throw std::runtime_error("drover-broker did not start:\n" + process_->log());
  }
}

Json droverJson(const fs::path& clientConfig, std::vector<std::string> args) {
  std::vector<std::string> argv{testing::binary("drover").string(), "--config",
                                clientConfig.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--json");
  Json out = Json::parse(run(argv), nullptr, false);
  return out.is_discarded() ? Json() : out;
}

Json factOf(const fs::path& clientConfig, const std::string& identity, const std::string& fact) {
  Json out =
      droverJson(clientConfig, {"rpc", "rpcutil", "get_fact", "fact=" + fact, "-I", identity});
  if (!out.is_object() || out["replies"].size() != 1) return nullptr;
  return out["replies"][0]["data"].value("value", Json());
}

std::vector<MountEntry> mountsOf(pid_t pid) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/mountinfo")
                            : "/proc/" + std::to_string(pid) + "/mountinfo");
  std::vector<MountEntry> out;
  for (std::string line; std::getline(in, line);) {
    // id parent major:minor root point options [optional...] - type source super-options
    std::istringstream fields(line);
    std::string skip, point, options, word, type, source;
    fields >> skip >> skip >> skip >> skip >> point >> options;
    while (fields >> word && word != "-") {
    }
    fields >> type >> source;
    out.push_back({point, options, type, source});
  }
  return out;
}

std::optional<MountEntry> mountAt(pid_t pid, const std::string& point) {
  std::optional<MountEntry> found;
  for (auto& entry : mountsOf(pid)) {
    if (entry.point == point) found = entry;  // the last one is on top
  }
  return found;
}

bool linkExists(const std::string& name) { return fs::exists(fs::path("/sys/class/net") / name); }

bool netnsExists(const std::string& name) { return fs::exists(fs::path("/run/netns") / name); }

void ipQuietly(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  run(argv);
}

}  // namespace drover::integration
