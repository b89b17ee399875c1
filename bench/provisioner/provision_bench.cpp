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
//
// With --naming SERVICE the flow names every node first (assign_name) and each virtual
// node also hosts the real naming agent (its own root under the work directory, the
// kernel hostname left alone). Then also reported: the time until every node held its
// name and whether any name was given twice, and the hosts fan-out: an operator releases
// a name (provisioner#name_release) and the clock runs until every node has applied the
// pushed hosts version (--fanout-rounds times; median and worst).
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "agents/naming/naming_agent.hpp"
#include "core/bus/topics.hpp"
#include "core/bus/zmq_connection.hpp"
#include "core/ddl/loader.hpp"
#include "core/rpc/call_builder.hpp"
#include "core/rpc/client.hpp"
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
  std::unique_ptr<bus::ZmqConnection> connection;
  std::string nodeTopic;
  std::unique_ptr<std::mutex> publishing = std::make_unique<std::mutex>();
};

// Threads running the naming agents' actions: each writes (and fsyncs) its node's hosts
// file, which on a real fleet every node does at once on its own machine.
class Workers {
 public:
  explicit Workers(int count) {
    for (int i = 0; i < count; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Workers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// What the naming agents of the virtual nodes are given (--naming).
struct NamingSim {
  std::string service;  // "": no naming
  std::string type = "iterative";
  fs::path rootDir;
};

class Sim {
 public:
  Sim(const bus::Endpoints& endpoints, int nodes, int masters, const NamingSim& naming)
      : context_(2) {
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
      // A distinct address per node, for the names' hosts entries.
      std::string address = "10." + std::to_string(i / 65536) + "." +
                            std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
      sim.core->setFacts(
          {{"region", regions[i % 4]}, {"puppet_address", "127.0.0.1"}, {"ipaddress", address}});
      if (master)
        sim.core->addAgent(std::make_unique<FastCa>(ca));
      else
        sim.core->addAgent(std::make_unique<FastProv>(prov));
      if (!master && !naming.service.empty()) addNaming(*sim.core, name, naming);
      sim.connection = std::make_unique<bus::ZmqConnection>(context_, endpoints, options);
      for (const auto& topic : sim.core->topics()) sim.connection->subscribe(topic);
      sim.nodeTopic = bus::nodeTopic("drover", name);
      nodes_.push_back(std::move(sim));
    }
    for (auto& sim : nodes_) {
      if (!sim.connection->waitReady(60s)) throw std::runtime_error("broker probe failed");
    }
  }

  /// Names held now, one per named node.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto* agent : naming_) {
      auto record = agent->record();
      if (!record.name.empty()) out.push_back(record.name);
    }
    return out;
  }
  /// Nodes whose hosts file has `version` or a newer one.
  std::size_t hostsAt(std::int64_t version) const {
    std::size_t n = 0;
    for (const auto* agent : naming_) n += agent->record().hostsVersion >= version ? 1 : 0;
    return n;
  }
  std::size_t namingNodes() const { return naming_.size(); }

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
      if (decision.kind == node::Decision::Kind::Reply) {
        answer(sim, request, decision.reply);
      } else if (request.agent == "naming") {
        workers_.post([this, &sim, request, decision] {
          answer(sim, request, sim.core->execute(decision, request));
        });
      } else {
        answer(sim, request, sim.core->execute(decision, request));
      }
    }
  }

  void answer(SimNode& sim, const envelope::Envelope& request, const envelope::Envelope& reply) {
    std::lock_guard lock(*sim.publishing);
    sim.connection->publish(request.replyTo, envelope::encode(reply));
  }

  void addNaming(node::NodeCore& core, const std::string& name, const NamingSim& naming) {
    agents::naming::NamingSettings settings;
    settings.root = naming.rootDir / name;
    settings.identity = name;
    settings.config.service = naming.service;
    settings.config.type = naming.type;
    settings.config.setHostname = false;  // one machine, many nodes
    fs::create_directories(settings.root / "etc");
    std::ofstream(settings.root / "etc" / "hosts") << "127.0.0.1 localhost\n";
    static const ddl::Ddl ddl = ddl::loadFile(fs::path(DROVER_SOURCE_DIR) / "ddl" / "naming.json");
    auto agent = std::make_unique<agents::naming::NamingAgent>(ddl, settings, core);
    naming_.push_back(agent.get());
    core.addAgent(std::move(agent));
  }

  zmq::context_t context_;
  std::vector<SimNode> nodes_;
  std::vector<const agents::naming::NamingAgent*> naming_;
  Workers workers_{32};
};

// The integration flow with assign_name first.
fs::path namingFlow(const fs::path& dir) {
  std::ifstream in(kFixtures / "test_flow.yaml");
  std::string flow((std::istreambuf_iterator<char>(in)), {});
  auto at = flow.find("steps:\n");
  flow.insert(at + 7, "  - name: assign_name\n    assign_name: true\n    timeout: 30s\n");
  fs::path file = dir / "naming_flow.yaml";
  std::ofstream(file) << flow;
  return file;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

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

// Like testing::waitFor, at a millisecond's grain: it times what it waits for.
template <typename Predicate>
bool spinUntil(Predicate predicate, std::chrono::milliseconds timeout) {
  auto deadline = util::SteadyClock::now() + timeout;
  while (!predicate()) {
    if (util::SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Names given (and given twice), then the hosts fan-out: each round releases one name
// and times the push until every node has applied the new version.
Json measureNaming(Sim& sim, const bus::Endpoints& endpoints, const NamingSim& naming, int rounds) {
  auto names = sim.names();
  std::set<std::string> distinct(names.begin(), names.end());
  zmq::context_t context(1);
  rpc::Client client(context, endpoints, "bench.admin", "drover");
  auto ask = [&](const std::string& action, Json args) {
    auto result = client.call(rpc::request("provisioner", action)
                                  .args(std::move(args))
                                  .replier(security::Role::Provisioner)
                                  .nodes(std::vector<std::string>{"bench.provisioner"})
                                  .timeout(10s)
                                  .build());
    return result.replies.empty() ? Json() : result.replies.front().data;
  };
  std::vector<double> fanout;
  for (int round = 0; round < rounds; ++round) {
    std::int64_t before = ask("names", Json::object()).value("hosts_version", std::int64_t{0});
    std::string released = naming.service + "-" + std::to_string(round);
    if (naming.type == "masterful")
      released = round == 0 ? naming.service + "-master"
                            : naming.service + "-slave-" + std::to_string(round);
    auto start = util::SteadyClock::now();
    ask("name_release", Json{{"name", released}});
    if (!spinUntil([&] { return sim.hostsAt(before + 1) >= sim.namingNodes(); }, 60s)) {
      std::fprintf(stderr, "round %d: only %zu of %zu nodes applied the push\n", round,
                   sim.hostsAt(before + 1), sim.namingNodes());
      continue;
    }
    fanout.push_back(std::chrono::duration<double>(util::SteadyClock::now() - start).count());
  }
  double worst = fanout.empty() ? 0 : *std::max_element(fanout.begin(), fanout.end());
  return Json{{"named", static_cast<int>(names.size())},
              {"duplicates", static_cast<int>(names.size() - distinct.size())},
              {"fanout_rounds", fanout.size()},
              {"fanout_median_seconds", median(fanout)},
              {"fanout_worst_seconds", worst}};
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
  NamingSim naming;
  int fanoutRounds = 5;
  app.add_option("--naming", naming.service,
                 "Name every node of this service first (assign_name, real naming agents)");
  app.add_option("--naming-type", naming.type, "iterative or masterful")
      ->check(CLI::IsMember({"iterative", "masterful"}));
  app.add_option("--fanout-rounds", fanoutRounds, "Names released, one push measured each")
      ->check(CLI::Range(0, 100));
  std::string rootsDir;
  app.add_option("--roots-dir", rootsDir,
                 "Where the virtual nodes' roots go (their hosts files); default: the work "
                 "directory. One disk syncing every node's file is this machine, not a fleet: "
                 "/dev/shm measures Drover's part alone");
  CLI11_PARSE(app, argc, argv);
  perMaster = std::min(perMaster, concurrency);

  testing::TempDir dir;
  if (!naming.service.empty()) naming.rootDir = dir.path() / "nodes";
  if (!rootsDir.empty())
    naming.rootDir = fs::path(rootsDir) / ("drover-bench-" + std::to_string(::getpid()));
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
  Sim sim(endpoints, nodes, masters, naming);
  std::atomic<bool> stop{false};
  std::thread simThread([&] { sim.run(stop); });

  testing::Process provisioner(
      {DROVER_BENCH_PROVISIONER,
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
       (naming.service.empty() ? kFixtures / "test_flow.yaml" : namingFlow(dir.path())).string(),
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
       std::getenv("DROVER_BENCH_LOG") != nullptr ? "info" : "warn"},
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
  double namedSeconds = 0;
  if (!naming.service.empty()) {
    spinUntil([&] { return sim.names().size() >= sim.namingNodes(); }, 600s);
    namedSeconds = std::chrono::duration<double>(util::SteadyClock::now() - start).count();
  }
  bool done = testing::waitFor(
                  [&] { return productionRuns.load() >= nodes || !provisioner.running(); }, 600s) &&
              productionRuns.load() >= nodes;
  double seconds = std::chrono::duration<double>(util::SteadyClock::now() - start).count();
  ProcStats busy = procStats(provisioner.pid());
  Json namingJson;
  if (done && !naming.service.empty()) {
    namingJson = measureNaming(sim, endpoints, naming, fanoutRounds);
    namingJson["seconds_to_all_named"] = namedSeconds;
  }
  if (std::getenv("DROVER_BENCH_LOG") != nullptr)
    std::fprintf(stderr, "%s\n", provisioner.log().c_str());
  provisioner.stop();
  stop = true;
  simThread.join();
  if (!rootsDir.empty()) fs::remove_all(naming.rootDir);
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
  if (namingJson.is_object()) {
    std::printf("\n%-8s %-14s %-10s %-22s %-22s\n", "named", "all named s", "duplicates",
                "hosts fan-out median s", "hosts fan-out worst s");
    std::printf("%-8d %-14.2f %-10d %-22.3f %-22.3f\n", namingJson["named"].get<int>(),
                namedSeconds, namingJson["duplicates"].get<int>(),
                namingJson["fanout_median_seconds"].get<double>(),
                namingJson["fanout_worst_seconds"].get<double>());
  }
  fs::create_directories(fs::path(jsonOut).parent_path());
  std::ofstream(jsonOut) << Json{{"nodes", nodes},
                                 {"masters", masters},
                                 {"concurrency", concurrency},
                                 {"per_master_concurrency", perMaster},
                                 {"wall_seconds", seconds},
                                 {"nodes_per_second", nodes / seconds},
                                 {"provisioner_cpu_seconds", cpu},
                                 {"cpu_ms_per_node", cpuMsPerNode},
                                 {"peak_rss_kb", busy.peakRssKb},
                                 {"naming", namingJson}}
                                .dump(2)
                         << "\n";
  return 0;
}
