// drover-lab: real puppetservers and Puppet node roots for the embedded default
// (scripts/demo.sh), started exactly as the end-to-end tests start them.
//
//   drover-lab masters --dir DIR NAME...
//       Starts one puppetserver per NAME (own CA, state in DIR/NAME, a free loopback
//       port), all at once. When every one answers, writes DIR/NAME.port and then
//       DIR/ready, and stays in the foreground; SIGTERM or SIGINT stops them by PID.
//   drover-lab node-root --root ROOT --certname NAME
//       Writes a node's Puppet settings under ROOT (etc/puppet, var/lib/puppet) and
//       the fact marker_dir=ROOT/var/markers, where its Puppet runs leave markers.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/puppet_master.hpp"

namespace {

namespace fs = std::filesystem;
using drover::testing::PuppetMaster;

int usage() {
  std::fprintf(stderr,
               "usage: drover-lab masters --dir DIR NAME...\n"
               "       drover-lab node-root --root ROOT --certname NAME\n");
  return 2;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

int masters(const fs::path& dir, const std::vector<std::string>& names) {
  // Blocked before any thread starts, so only sigwait below sees them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::map<std::string, std::unique_ptr<PuppetMaster>> running;
  for (const auto& name : names) {
    PuppetMaster::Options options;
    options.name = name;
    options.stateDir = dir / name;
    fs::create_directories(options.stateDir);
    running[name] = std::make_unique<PuppetMaster>(options);
  }
  std::vector<PuppetMaster*> all;
  for (auto& [name, master] : running) all.push_back(master.get());
  bool failed = false;
  for (const auto& [name, error] : startTogether(all)) {
    std::fprintf(stderr, "drover-lab: %s\n", error.c_str());
    failed = true;
  }
  if (failed) return 1;  // the destructors stop the ones that did start
  for (auto& [name, m] : running) {
    std::printf("%s running on 127.0.0.1:%d after %.1f s (pid %d, RSS %ld MiB)\n", name.c_str(),
                m->port(), static_cast<double>(m->startupTime().count()) / 1000.0, m->pid(),
                m->rssKib() / 1024);
    writeText(dir / (name + ".port"), std::to_string(m->port()) + "\n");
  }
  std::fflush(stdout);
  writeText(dir / "ready", "");
  int signal = 0;
  sigwait(&stopSignals, &signal);
  std::printf("drover-lab: %s, stopping the puppetservers\n", strsignal(signal));
  std::fflush(stdout);
  running.clear();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 4 && args[0] == "masters" && args[1] == "--dir") {
      return masters(args[2], {args.begin() + 3, args.end()});
    }
    if (args.size() == 5 && args[0] == "node-root" && args[1] == "--root" &&
        args[3] == "--certname") {
      const fs::path root = args[2];
      drover::testing::writeNodePuppetConfig(
          root, {{"marker_dir", (root / "var/markers").string()}}, {{"certname", args[4]}});
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-lab: %s\n", e.what());
    return 1;
  }
  return usage();
}
