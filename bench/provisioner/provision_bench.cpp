// drover-provision-bench: provisioning throughput and the provisioner's own overhead.
//
// Starts a drover-broker and a real drover-provisioner (security off, the integration
// test flow: claim, probe, pick master, 5 agent steps with verify probes, notify,
// release), then brings up `--nodes` virtual nodes and `--masters` virtual masters in
// this process whose stand-in agents (fprov, fca: the DDLs of tests/integration/
// provisioner) answer at once from memory. Every node registers at the same moment; the
// clock runs until each has had its production run. Reported: wall time, nodes per
// second, the provisioner's CPU (utime + stime from /proc) per node, its peak RSS.
// Prints a table and writes JSON (--json-out).
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/bus/connection.hpp"
#include "core/bus/topics.hpp"
#include "core/ddl/loader.hpp"
#include "core/util/clock.hpp"
#include "node/node_core.hpp"
#include "testing/process.hpp"

namespace {

using namespace drover;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(DROVER_SOURCE_DIR) / "tests" / "integration" / "provisioner";

std::atomic<int> productionRuns{0};

// The provision stand-in: claims, completed steps, nothing else.
class FastProv : public agents::Agent {
 public:
  explicit FastProv(const ddl::Ddl& ddl)
      : Agent(ddl,
              agents::everyAction(ddl, [this](const agents::Request& r) { return serve(r); })) {}

 private:
  agents::Reply serve(const agents::Request& request) {
    std::lock_guard lock(mutex_);
    const std::string& action = request.action;
    if (action == "claim") {
      std::string owner = request.args["owner"];
      if (!owner_.empty() && owner_ != owner) {
        return {{envelope::StatusCode::Aborted, "claimed by " + owner_},
                {{"granted", false}, {"owner", owner_}}};
      }
      owner_ = owner;
      return {{}, {{"granted", true}, {"owner", owner}}};
    }
    if (action == "release") {
      owner_.clear();
      return {{}, {{"released", true}}};
    }
    if (action == "status") return {{}, {{"completed_steps", Json(steps_)}}};
    std::string step = action == "run" ? request.args["environment"].get<std::string>() : action;
    if (step == "production" && steps_.insert(step).second) ++productionRuns;
    steps_.insert(step);
    return {{}, {{"step", step}}};
  }

  std::mutex mutex_;
  std::string owner_;
  std::set<std::string> steps_;
};

class FastCa : public agents::Agent {
 public:
  explicit FastCa(const ddl::Ddl& ddl)
      : Agent(ddl,
              agents::everyAction(ddl, [this](const agents::Request& r) { return serve(r); })) {}

 private:
  agents::Reply serve(const agents::Request& request) {
    std::lock_guard lock(mutex_);
    std::string name = request.args["certname"];
    if (request.action == "sign") {
      bool already = !signed_.insert(name).second;
      return {{}, {{"signed", !already}, {"already_signed", already}}};
    }
    if (request.action == "clean") return {{}, {{"cleaned", signed_.erase(name) > 0}}};
    return {{}, {{"state", signed_.count(name) ? "signed" : "missing"}}};
  }

  std::mutex mutex_;
  std::set<std::string> signed_;
};

struct SimNode {
  std::unique_ptr<node::NodeCore> core;
  std::unique_ptr<bus::Connection> connection;
  std::string nodeTopic;
};

class Sim {
 public:
  Sim(const bus::Endpoints& endpoints, int nodes, int masters) : context_(2) {
    zmq_ctx_set(context_.handle(), ZMQ_MAX_SOCKETS, (nodes + masters) * 2 + 64);
    ddl::Ddl prov = ddl::loadFile(kFixtures / "fprov.json");
    ddl::Ddl ca = ddl::loadFile(kFixtures / "fca.json");
    bus::ConnectionOptions options;
    options.lingerMs = 100;
    const char* regions[] = {"eu", "us", "ap", "sa"};
    for (int i = 0; i < masters + nodes; ++i) {
      bool master = i < masters;
      char name[32];
      std::snprintf(name, sizeof name, master ? "master-%02d" : "node-%04d",
                    master ? i : i - masters);
      node::NodeIdentity id;
      id.identity = name;
      SimNode sim;
      sim.core = std::make_unique<node::NodeCore>(id);
      sim.core->setFacts({{"region", regions[i % 4]}, {"puppet_address", "127.0.0.1"}});
      if (master)
        sim.core->addAgent(std::make_unique<FastCa>(ca));
      else
        sim.core->addAgent(std::make_unique<FastProv>(prov));
      sim.connection = std::make_unique<bus::Connection>(context_, endpoints, options);
      for (const auto& topic : sim.core->topics()) sim.connection->subscribe(topic);
      sim.nodeTopic = bus::nodeTopic("drover", name);
      nodes_.push_back(std::move(sim));
    }
    for (auto& sim : nodes_) {
      if (!sim.connection->waitReady(60s)) throw std::runtime_error("broker probe failed");
    }
  }

  void announce(bool masters) {
    for (auto& sim : nodes_) {
      bool isMaster = sim.core->findAgent("fca") != nullptr;
      if (isMaster != masters) continue;
      sim.connection->publish(bus::registrationTopic("drover"),
                              envelope::encode(sim.core->registration("drover")));
    }
  }

  void run(const std::atomic<bool>& stop) {
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, nodes_[i].connection->subscriber().get(zmq::sockopt::fd),
                  &event);
    }
    auto nextSweep = util::SteadyClock::now();
    while (!stop) {
      epoll_event events[256];
      int n = ::epoll_wait(ep, events, 256, 5);
      for (int i = 0; i < n; ++i) serve(nodes_[events[i].data.u64]);
      // ZMQ_FD signals edges: sweep every socket now and then so none is left behind.
      if (util::SteadyClock::now() >= nextSweep) {
        for (auto& sim : nodes_) serve(sim);
        nextSweep = util::SteadyClock::now() + 20ms;
      }
    }
    ::close(ep);
  }

 private:
  void serve(SimNode& sim) {
    while (auto message = sim.connection->tryReceive()) {
      envelope::Envelope request;
      try {
        request = envelope::decode(message->body);
      } catch (const envelope::DecodeError&) {
        continue;
      }
      node::Decision decision = sim.core->inspect(request, message->topic);
      if (decision.kind == node::Decision::Kind::Ignore) continue;
      envelope::Envelope reply = decision.kind == node::Decision::Kind::Reply
                                     ? decision.reply
                                     : sim.core->execute(decision, request);
      sim.connection->publish(request.replyTo, envelope::encode(reply));
    }
  }

  zmq::context_t context_;
  std::vector<SimNode> nodes_;
};

struct ProcStats {
  double cpuSeconds = 0;
  long peakRssKb = 0;
};

ProcStats procStats(pid_t pid) {
  ProcStats stats;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  stats.cpuSeconds =
      static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) stats.peakRssKb = std::stol(line.substr(6));
  }
  return stats;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-provision-bench: provisioning throughput and provisioner overhead");
  int nodes = 1000, masters = 4, concurrency = 200, perMaster = 60;
  std::string workDir, jsonOut = std::string(DROVER_BENCH_RESULTS_DIR) + "/provision_bench.json";
  app.add_option("--nodes", nodes, "Virtual nodes arriving at once")->check(CLI::Range(1, 5000));
  app.add_option("--masters", masters, "Virtual Puppet masters")->check(CLI::Range(1, 64));
  app.add_option("--concurrency", concurrency, "Provisioner concurrency")
      ->check(CLI::Range(1, 2000));
  app.add_option("--per-master", perMaster, "Provisioner per-master concurrency")
      ->check(CLI::Range(1, 2000));
  app.add_option("--json-out", jsonOut, "Where the JSON results go");
  CLI11_PARSE(app, argc, argv);
  perMaster = std::min(perMaster, concurrency);

  testing::TempDir dir;
  bus::Endpoints endpoints{"tcp://127.0.0.1:" + std::to_string(testing::freePort()),
                           "tcp://127.0.0.1:" + std::to_string(testing::freePort())};
  testing::Process broker(
      {DROVER_BENCH_BROKER, "--ingress", endpoints.publish, "--egress", endpoints.subscribe,
       "--endpoints-file", (dir / "endpoints.json").string()},
      dir / "broker.log");
  if (!testing::waitFor([&] { return fs::exists(dir / "endpoints.json"); }, 15s)) {
    std::fprintf(stderr, "broker did not start:\n%s\n", broker.log().c_str());
    return 1;
  }
  std::fprintf(stderr, "starting %d nodes and %d masters...\n", nodes, masters);
  Sim sim(endpoints, nodes, masters);
  std::atomic<bool> stop{false};
  std::thread simThread([&] { sim.run(stop); });

  testing::Process provisioner({DROVER_BENCH_PROVISIONER,
                                "--identity",
                                "bench.provisioner",
                                "--broker-publish",
                                endpoints.publish,
                                "--broker-subscribe",
                                endpoints.subscribe,
                                "--security-enabled",
                                "false",
                                "--state-db",
                                (dir / "state.db").string(),
                                "--flow-file",
                                (kFixtures / "test_flow.yaml").string(),
                                "--master-facts",
                                "region",
                                "--concurrency",
                                std::to_string(concurrency),
                                "--per-master-concurrency",
                                std::to_string(perMaster),
                                "--metrics-listen",
                                "",
                                "--events-file",
                                (dir / "events.jsonl").string(),
                                "--pid-file",
                                (dir / "prov.pid").string(),
                                "--log-level",
                                "warn"},
                               dir / "provisioner.log");
  if (!testing::waitFor([&] { return fs::exists(dir / "prov.pid"); }, 15s)) {
    std::fprintf(stderr, "provisioner did not start:\n%s\n", provisioner.log().c_str());
    return 1;
  }
  // The simulated nodes host no rpcutil, so the startup sweep finds nobody: masters
  // announce themselves once it has ended (1 s of quiet).
  std::this_thread::sleep_for(2500ms);
  sim.announce(true);
  std::this_thread::sleep_for(200ms);
  ProcStats idle = procStats(provisioner.pid());
  auto start = util::SteadyClock::now();
  sim.announce(false);
  bool done = testing::waitFor(
                  [&] { return productionRuns.load() >= nodes || !provisioner.running(); }, 600s) &&
              productionRuns.load() >= nodes;
  double seconds = std::chrono::duration<double>(util::SteadyClock::now() - start).count();
  ProcStats busy = procStats(provisioner.pid());
  provisioner.stop();
  stop = true;
  simThread.join();
  if (!done) {
    std::fprintf(stderr, "only %d of %d nodes provisioned; provisioner log:\n%s\n",
                 productionRuns.load(), nodes, provisioner.log().c_str());
    return 1;
  }
  double cpu = busy.cpuSeconds - idle.cpuSeconds;
  double cpuMsPerNode = cpu * 1000.0 / nodes;
  std::printf("%-8s %-8s %-12s %-10s %-12s %-16s %-12s\n", "nodes", "masters", "concurrency",
              "wall s", "nodes/s", "prov CPU ms/node", "peak RSS MiB");
  std::printf("%-8d %-8d %-12d %-10.2f %-12.1f %-16.2f %-12.1f\n", nodes, masters, concurrency,
              seconds, nodes / seconds, cpuMsPerNode, static_cast<double>(busy.peakRssKb) / 1024.0);
  fs::create_directories(fs::path(jsonOut).parent_path());
  std::ofstream(jsonOut) << Json{{"nodes", nodes},
                                 {"masters", masters},
                                 {"concurrency", concurrency},
                                 {"per_master_concurrency", perMaster},
                                 {"wall_seconds", seconds},
                                 {"nodes_per_second", nodes / seconds},
                                 {"provisioner_cpu_seconds", cpu},
                                 {"cpu_ms_per_node", cpuMsPerNode},
                                 {"peak_rss_kb", busy.peakRssKb}}
                                .dump(2)
                         << "\n";
  return 0;
}
