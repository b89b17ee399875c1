// What rewriting a node's hosts file costs with 10,000 names pushed (NAMING_SPEC.md,
// naming#update_hosts): the pure edit (check the entries, render the block, splice it
// into the file's text), and the whole action through the naming agent (that, plus
// reading the file, the atomic replace with fsync, and the record of the version).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>

#include "agents/naming/hosts_block.hpp"
#include "agents/naming/naming_agent.hpp"
#include "core/ddl/loader.hpp"
#include "node/node_core.hpp"

namespace {

namespace fs = std::filesystem;
namespace naming = drover::agents::naming;
using drover::Json;

constexpr int kEntries = 10000;

// 10,000 nodes of 100 services, each with its name and one alias in 10.x.y.z.
Json pushedEntries() {
  Json entries = Json::array();
  for (int i = 0; i < kEntries; ++i) {
    std::string name = "svc" + std::to_string(i % 100) + "-" + std::to_string(i / 100);
    std::string address = "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                          "." + std::to_string(i % 256);
    entries.push_back({{"address", address}, {"names", {name, name + "-alias"}}});
  }
  return entries;
}

const char* kForeignLines =
    "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
    "10.0.0.2 puppet # drover: puppet server\n10.9.9.9 mine # the node's own\n";

void hostsBlockEdit(benchmark::State& state) {
  const Json entries = pushedEntries();
  std::string file = std::string(kForeignLines) +
                     naming::renderBlock(1, "", "", naming::entriesFrom(entries)) +
                     "192.168.1.1 router\n";
  std::int64_t version = 1;
  for (auto _ : state) {
    auto checked = naming::entriesFrom(entries);
    file = naming::withBlock(file, naming::renderBlock(++version, "example.internal", "", checked));
    benchmark::DoNotOptimize(file.data());
  }
  state.counters["bytes"] = static_cast<double>(file.size());
}
BENCHMARK(hostsBlockEdit)->Unit(benchmark::kMillisecond);

void updateHosts10k(benchmark::State& state) {
  std::string templ = (fs::temp_directory_path() / "drover-hosts-bench-XXXXXX").string();
  fs::path root = ::mkdtemp(templ.data());
  fs::create_directories(root / "etc");
  std::ofstream(root / "etc/hosts") << kForeignLines;
  drover::node::NodeIdentity id;
  id.identity = "bench-node";
  drover::node::NodeCore core(id);
  naming::NamingSettings settings;
  settings.root = root;
  settings.config.setHostname = false;
  naming::NamingAgent agent(drover::ddl::loadFile(fs::path(DROVER_BENCH_DDL_DIR) / "naming.json"),
                            settings, core);
  drover::agents::Request request;
  request.action = "update_hosts";
  request.args = {{"version", 0}, {"domain", "example.internal"}, {"entries", pushedEntries()}};
  request.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  for (auto _ : state) {
    request.args["version"] = request.args["version"].get<std::int64_t>() + 1;
    auto reply = agent.handle(request);
    if (reply.status.code != drover::envelope::StatusCode::Ok) {
      state.SkipWithError(reply.status.message.c_str());
      break;
    }
  }
  state.counters["bytes"] = static_cast<double>(fs::file_size(root / "etc/hosts"));
  fs::remove_all(root);
}
BENCHMARK(updateHosts10k)->Unit(benchmark::kMillisecond);

}  // namespace
