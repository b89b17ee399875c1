// drover-deploy-bench: a deployment of --members real namespaced droverd members through a
// real drover-provisioner with the local launcher (bench/deploy/deploy_world.hpp), security
// on. One iterative pool, ssh_trust on, the flow bench/deploy/bench_flow.yaml (claim with
// the provision agent, assign_name, notify), one stage whose bootstrap.sh exits 0.
// Measured:
//  1. `drover deploy up FILE --no-wait` to the deployment's state `done` (followed with
//     deploy_wait), and the provisioner's CPU time (utime + stime) over that span;
//  2. the count raised by one: from that `up` until every other member's
//     <root>/etc/drover/cluster_facts.json names the new member (inotify), and until
//     the deployment is done again;
//  3. `deploy_down` until the provisioner forgets the deployment and no member
//     namespace is left.
// Prints a table and writes JSON (--json-out). Needs root. Ctrl-C or a failure removes
// every member, namespace, the bridge and the processes all the same.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "bench/deploy/deploy_world.hpp"
#include "bench/deploy/facts_watch.hpp"
#include "bench/support/environment.hpp"
#include "core/util/files.hpp"

namespace {

using namespace drover;
using namespace drover::bench::deploy;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "bench";
constexpr const char* kPool = "node";

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The deployment file and its one bundle (bootstrap.sh: exit 0), in `dir`.
fs::path writeDeployment(const fs::path& dir, int members) {
  fs::path stage = dir / "stage";
  fs::create_directories(stage);
  util::writeFileAtomically(stage / "bootstrap.sh", "#!/bin/sh\nexit 0\n");
  fs::permissions(stage / "bootstrap.sh", fs::perms(0755));
  fs::create_directories(dir / "bundles");
  auto tar = util::runProcess(
      {"tar", "-cf", (dir / "bundles/exit0.tar").string(), "-C", stage.string(), "bootstrap.sh"},
      "", 30s);
  if (tar.exitCode != 0) throw std::runtime_error("tar: " + tar.err);
  fs::path file = dir / "bench.yaml";
  util::writeFileAtomically(
      file, std::string("name: ") + kName +
                "\nflow: deploy_bench\nssh_trust: true\n"
                "defaults:\n  stages: [{bundle: bundles/exit0.tar}]\n  stage_timeout: 5m\n"
                "pools:\n  " +
                kPool + ": {type: iterative, count: " + std::to_string(members) + "}\n");
  return file;
}

void up(World& world, const fs::path& file) {
  auto cli = world.drover({"deploy", "up", file.string(), "--no-wait"}, 300s);
  if (cli.exitCode != 0)
    throw std::runtime_error("drover deploy up: exit " + std::to_string(cli.exitCode) + "\n" +
                             cli.out + cli.err);
}

std::string stateCounts(const Json& status) {
  std::map<std::string, int> counts;
  for (const auto& m : status["members"]) ++counts[m.value("state", "?")];
  std::string text;
  for (const auto& [state, n] : counts) text += " " + state + "=" + std::to_string(n);
  return text;
}

std::string failures(const Json& status) {
  std::string text;
  for (const auto& m : status["members"])
    if (m.value("state", "") == "failed")
      text += "\n  " + m.value("identity", "") + ": " + m.value("error", "");
  return text;
}

// Follows the deployment (deploy_wait) until `members` members are all done; progress
// on stderr. Throws when a member failed or `timeout` passed.
Json followToDone(World& world, std::size_t members, std::chrono::seconds timeout) {
  auto start = Clock::now();
  auto lastPrint = start;
  std::int64_t version = -1;
  for (;;) {
    checkInterrupted();
    Json s = world.call("deploy_wait",
                        Json{{"name", kName}, {"version", version}, {"timeout_ms", 1000}}, 15s);
    if (s.value("state", "") == "failed")
      throw std::runtime_error("deployment failed:" + failures(s));
    if (s.value("state", "") == "done" && s["members"].size() == members) return s;
    if (Clock::now() - lastPrint > 5s) {
      std::fprintf(stderr, "  %6.1f s:%s\n", since(start), stateCounts(s).c_str());
      lastPrint = Clock::now();
    }
    if (Clock::now() - start > timeout)
      throw std::runtime_error("not done after " + std::to_string(timeout.count()) +
                               " s:" + stateCounts(s));
    version = s.value("version", std::int64_t{-1});
  }
}

struct Phase1 {
  double seconds = 0, cliSeconds = 0, cpuMs = 0;
  long peakRssKb = 0;
  Json status;
};

Phase1 measureUp(World& world, const fs::path& file, int members) {
  Phase1 p;
  double cpu0 = bench::processCpuMs(world.provisionerPid()).value_or(0);
  auto start = Clock::now();
  up(world, file);
  p.cliSeconds = since(start);
  p.status = followToDone(world, static_cast<std::size_t>(members), 3600s);
  p.seconds = since(start);
  p.cpuMs = bench::processCpuMs(world.provisionerPid()).value_or(0) - cpu0;
  p.peakRssKb = bench::procStatusKb(world.provisionerPid(), "VmHWM").value_or(0);
  return p;
}

struct Phase2 {
  std::vector<double> reached;  // per old member, seconds from `up`
  double doneSeconds = 0;
  std::string newName;
};

void checkSignal() { checkInterrupted(); }

Phase2 measureJoin(World& world, const fs::path& dir, const Json& status, int members) {
  std::vector<fs::path> roots;
  std::set<std::string> names;
  for (const auto& m : status["members"]) {
    roots.emplace_back(m["launch"].value("root", ""));
    names.insert(m.value("name", ""));
  }
  FactsWatch watch(roots, names);
  fs::path file = writeDeployment(dir, members + 1);
  Phase2 p;
  auto start = Clock::now();
  up(world, file);
  p.reached = watch.await(start, 600s, checkSignal);
  Json after = followToDone(world, static_cast<std::size_t>(members + 1), 600s);
  p.doneSeconds = since(start);
  for (const auto& m : after["members"])
    if (!names.count(m.value("name", ""))) p.newName = m.value("name", "");
  std::sort(p.reached.begin(), p.reached.end());
  if (p.reached.size() != roots.size())
    throw std::runtime_error(std::to_string(roots.size() - p.reached.size()) + " of " +
                             std::to_string(roots.size()) +
                             " members never listed the new member " + p.newName);
  return p;
}

std::size_t memberNamespaces(const std::string& bridge) {
  auto list = util::runProcess({"ip", "netns", "list"}, "", 10s);
  std::size_t n = 0;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) n += line.rfind(bridge + "-", 0) == 0;
  return n;
}

double measureDown(World& world) {
  auto start = Clock::now();
  world.call("deploy_down", Json{{"name", kName}}, 600s);
  while (world.status(kName) || memberNamespaces(world.network().bridge) > 0) {
    checkInterrupted();
    if (since(start) > 600) throw std::runtime_error("members still there 600 s after down");
    std::this_thread::sleep_for(250ms);  // each status is every member's: spare the provisioner
  }
  return since(start);
}

double pick(const std::vector<double>& sorted, double q) {
  return sorted.empty() ? 0 : sorted[std::min(sorted.size() - 1, std::size_t(q * sorted.size()))];
}

void report(int members, const Phase1& p1, const Phase2& p2, double down, const Json& env,
            const std::string& jsonOut) {
  double cpuPerMember = p1.cpuMs / members;
  std::printf("%-8s %-10s %-12s %-12s %-14s %-10s\n", "members", "up->done s", "ms/member",
              "prov CPU s", "CPU ms/member", "peak MiB");
  std::printf("%-8d %-10.1f %-12.1f %-12.2f %-14.1f %-10.1f\n\n", members, p1.seconds,
              p1.seconds * 1000 / members, p1.cpuMs / 1000, cpuPerMember, p1.peakRssKb / 1024.0);
  std::printf("%-12s %-14s %-14s %-14s %-16s %-8s\n", "new member", "facts first s",
              "facts median s", "facts all s", "new member done s", "down s");
  std::printf("%-12s %-14.2f %-14.2f %-14.2f %-16.2f %-8.1f\n", p2.newName.c_str(),
              pick(p2.reached, 0), pick(p2.reached, 0.5), pick(p2.reached, 1), p2.doneSeconds,
              down);
  Json doc{{"members", members},
           {"up_to_done_seconds", p1.seconds},
           {"cli_up_seconds", p1.cliSeconds},
           {"provisioner_cpu_ms", p1.cpuMs},
           {"provisioner_cpu_ms_per_member", cpuPerMember},
           {"provisioner_peak_rss_kb", p1.peakRssKb},
           {"join",
            {{"new_member", p2.newName},
             {"facts_first_seconds", pick(p2.reached, 0)},
             {"facts_median_seconds", pick(p2.reached, 0.5)},
             {"facts_all_seconds", pick(p2.reached, 1)},
             {"new_member_done_seconds", p2.doneSeconds}}},
           {"down_seconds", down},
           {"environment", env}};
  doc["environment"]["loadavg_end"] = bench::loadAverage();
  bench::writeJson(jsonOut, doc);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("drover-deploy-bench: a deployment of real namespaced members, up to done");
  int members = 200;
  std::string bridge = "dvbench", subnet = "10.215.0.0/22", workDir, logLevel = "info";
  std::string jsonOut = std::string(DROVER_BENCH_RESULTS_DIR) + "/deploy_bench.json";
  app.add_option("--members", members, "Members of the one pool")->check(CLI::Range(1, 1000));
  app.add_option("--bridge", bridge, "The launcher's bridge (removed at the end)");
  app.add_option("--subnet", subnet, "The launcher's subnet; the bridge holds its first address");
  app.add_option("--work-dir", workDir, "Kept after the run (default: a temporary directory)");
  app.add_option("--provisioner-log-level", logLevel, "The provisioner's --log-level");
  app.add_option("--json-out", jsonOut, "Where the JSON results go");
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "drover-deploy-bench needs root: members run in namespaces\n");
    return 2;
  }
  installInterruptHandlers();
  testing::TempDir temp;
  fs::path dir = workDir.empty() ? temp.path() : fs::path(workDir);
  fs::create_directories(dir);
  Programs programs{DROVER_BENCH_BROKER, DROVER_BENCH_DROVERD, DROVER_BENCH_DROVER,
                    DROVER_BENCH_PROVISIONER, DROVER_BENCH_MEMBER};
  try {
    Json env = bench::hostEnvironment();
    World world(programs, networkOf(bridge, subnet), dir,
                fs::path(DROVER_SOURCE_DIR) / "bench/deploy/bench_flow.yaml", logLevel);
    std::fprintf(stderr, "up: %d members...\n", members);
    Phase1 p1 = measureUp(world, writeDeployment(dir / "deployment", members), members);
    std::fprintf(stderr, "done in %.1f s; one more member...\n", p1.seconds);
    Phase2 p2 = measureJoin(world, dir / "deployment", p1.status, members);
    std::fprintf(stderr, "down...\n");
    double down = measureDown(world);
    report(members, p1, p2, down, env, jsonOut);
    return 0;
  } catch (const Interrupted&) {
    std::fprintf(stderr, "interrupted: members, namespaces and the bridge removed\n");
    return 130;
  } catch (const std::exception& e) {
    if (wasInterrupted()) {
      std::fprintf(stderr, "interrupted (%s): members, namespaces and the bridge removed\n",
                   e.what());
      return 130;
    }
    std::string log =
        fs::exists(dir / "provisioner.log") ? util::readFile(dir / "provisioner.log") : "";
    if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
    std::fprintf(stderr, "drover-deploy-bench: %s\nprovisioner log (end):\n%s\n", e.what(),
                 log.c_str());
    return 1;
  }
}
