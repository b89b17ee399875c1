#pragma once
// Shared by the provisioner integration tests: node specs with the stand-in agents
// (fprov, fca), their invocation logs, and a drover-provisioner process.
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <httplib.h>

#include "core/util/json.hpp"
#include "tests/integration/fleet.hpp"

namespace drover::integration {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline fs::path here() {
  return fs::path(DROVER_SOURCE_DIR) / "tests" / "integration" / "provisioner";
}

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline const char* kPolicy =
    "default: deny\nrules:\n  - allow:\n      callers: \"*\"\n"
    "      roles: [provisioner, admin]\n      actions: \"*\"\n";

inline NodeSpec spec(const std::string& identity, const std::string& region,
                     const std::string& agent) {
  NodeSpec s;
  s.identity = identity;
  s.facts = "region: " + region + "\npuppet_address: 127.0.0.1\n";
  s.agentFiles = {{agent, readFile(here() / agent)},
                  {agent + ".json", readFile(here() / (agent + ".json"))}};
  s.policies = {{agent, kPolicy}};
  return s;
}

// How often each action ran on a node, from its stand-in agent's log: "run production" etc.
inline std::map<std::string, int> invocations(Node& node) {
  std::map<std::string, int> counts;
  std::istringstream log(readFile(node.agentsDir() / "invocations.log"));
  std::string line;
  while (std::getline(log, line)) {
    std::string action = line.substr(0, line.find(' '));
    if (action == "run") {
      Json args = Json::parse(line.substr(line.find(' ') + 1));
      action += " " + args["environment"].get<std::string>();
    } else if (action == "sign" || action == "clean" || action == "status") {
      action += " " + line.substr(line.find(' ') + 1);
    }
    ++counts[action];
  }
  return counts;
}

class Provisioner {
 public:
  Provisioner(Fleet& fleet, const std::string& name, std::vector<std::string> extra = {},
              const std::string& flow = "test_flow.yaml")
      : name_(name) {
    Credentials creds = fleet.issue(name, security::Role::Provisioner);
    metricsPort_ = testing::freePort();
    argv_ = {(fs::path(DROVER_BINARY_DIR) / "provisioner" / "drover-provisioner").string(),
             "--identity",
             name,
             "--security-ca-file",
             fleet.ca().certificateFile().string(),
             "--security-crl-file",
             fleet.ca().crlFile().string(),
             "--security-cert-file",
             creds.cert.string(),
             "--security-key-file",
             creds.key.string(),
             "--state-db",
             (dir_ / "state.db").string(),
             "--flow-file",
             (here() / flow).string(),
             "--master-facts",
             "region",
             "--lease",
             "30",
             "--recheck-interval",
             "1",
             "--metrics-listen",
             "127.0.0.1:" + std::to_string(metricsPort_),
             "--events-file",
             (dir_ / "events.jsonl").string(),
             "--pid-file",
             (dir_ / "provisioner.pid").string(),
             "--log-level",
             "debug"};
    auto bus = fleet.busFlags();
    argv_.insert(argv_.end(), bus.begin(), bus.end());
    argv_.insert(argv_.end(), extra.begin(), extra.end());
  }

  void start() {
    process_.reset();
    std::error_code ignored;
    fs::remove(dir_ / "provisioner.pid", ignored);
    process_.emplace(argv_, dir_ / "provisioner.log");
    bool ready = testing::waitFor(
        [&] { return fs::exists(dir_ / "provisioner.pid") || !process_->running(); }, 15s);
    if (!ready || !process_->running()) {
      throw std::runtime_error("drover-provisioner " + name_ + " did not start:\n" + log());
    }
  }
  void kill() { process_->kill(); }
  int stop() { return process_->stop(); }
  std::string log() const { return readFile(dir_ / "provisioner.log"); }
  std::string events() const { return readFile(dir_ / "events.jsonl"); }
  /// The events file's lines, once there are `count` of them or `timeout` passed: the
  /// notifiers deliver from a queue, so a line is written just after its event.
  std::string events(std::size_t count, std::chrono::milliseconds timeout = 20s) const {
    testing::waitFor([&] { return lines(events()) >= count; }, timeout);
    return events();
  }
  static std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  std::string metrics() const {
    httplib::Client client("127.0.0.1", metricsPort_);
    auto res = client.Get("/metrics");
    return res ? res->body : "";
  }
  /// The HTTP listener's port (metrics.listen): /metrics and the live page.
  int httpPort() const { return metricsPort_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string name_;
  testing::TempDir dir_;
  int metricsPort_ = 0;
  std::vector<std::string> argv_;
  std::optional<testing::Process> process_;
};

}  // namespace drover::integration
